"""Settings of the example project. ``AGENTOS`` is all that agentos_sync needs."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = ["askdemo"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "askdemo.urls"
WSGI_APPLICATION = "askdemo.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
DATABASES: dict = {}
USE_TZ = True

# The agent the page asks.
AGENTOS_AGENT = os.environ.get("AGENTOS_AGENT", "assistant")
# Seconds of silence after which the page's stream gets a keep-alive comment: below the idle
# timeout of whatever sits between the page and the browser (nginx's proxy_read_timeout: 60 s).
ASK_KEEPALIVE = float(os.environ.get("ASK_KEEPALIVE", "15"))


def _agentos_url() -> str:
    url = os.environ.get("AGENTOS_URL")
    if url:
        return url
    from askdemo import embedded

    return embedded.url()


AGENTOS = {
    "BASE_URL": _agentos_url(),
    "API_KEY": os.environ.get("AGENTOS_API_KEY") or None,
    # A read timeout longer than the longest silence of a run; keep-alives cover the browser side.
    "TIMEOUT": [10, 300],
    # One pooled connection per request thread that streams at once.
    "POOL_MAXSIZE": 32,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"agentos_sync": {"handlers": ["console"], "level": os.environ.get("AGENTOS_LOG_LEVEL", "WARNING")}},
}
