"""CLDC: case-level data collection. The repository root is the `cldc` package."""
