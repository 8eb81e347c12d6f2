"""The Celery app is loaded with Django, so that ``ask.delay(...)`` in a view finds it."""

from celerydemo.celery import app as celery_app

__all__ = ["celery_app"]
