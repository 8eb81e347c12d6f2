"""WSGI entry point (``gunicorn --threads 16 askdemo.wsgi``): SSE relays hold a thread each."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "askdemo.settings")
application = get_wsgi_application()
