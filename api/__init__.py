"""The submission API (Django REST framework and drf-spectacular), under /api/v1/ on
each service's domain: API clients and their keys, records, batches, validate-only,
definitions and uploads. docs/api.md describes it for the people who use it.
"""
