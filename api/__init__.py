"""The REST API (Django REST framework and drf-spectacular), under /api/v1/.

Nothing is served yet: the submission API is issue 6, built on the gateway of issue 3.
"""
