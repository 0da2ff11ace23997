"""Bulk upload: reading files, mapping columns and values, and importing rows through
the gateway (issue 5)."""
