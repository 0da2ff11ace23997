"""Collection definitions: questionnaires as data files (see docs/definitions.md)."""
