"""The Celery app: ``celery -A celerydemo worker``. Configuration comes from Django's settings
(the ``CELERY_*`` names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "celerydemo.settings")

app = Celery("celerydemo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["celerydemo"])
