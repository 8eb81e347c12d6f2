"""WSGI entry point: ``gunicorn --preload -w 4 celerydemo.wsgi`` (the client is fork-safe)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "celerydemo.settings")
application = get_wsgi_application()
