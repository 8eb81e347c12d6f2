"""Settings of the Celery example. Every process (web workers, Celery workers) shares Redis."""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
INSTALLED_APPS = ["celerydemo"]
ROOT_URLCONF = "celerydemo.urls"
WSGI_APPLICATION = "celerydemo.wsgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES: dict = {}
USE_TZ = True

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# The cursor store and the progress live here: a cache every process sees (never locmem).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# One message at a time per pool process: a killed process must not take prefetched tasks along.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

AGENTOS = {
    "BASE_URL": os.environ.get("AGENTOS_URL", "http://localhost:7777"),
    "API_KEY": os.environ.get("AGENTOS_API_KEY") or None,
    "TIMEOUT": [10, 300],
}
AGENTOS_AGENT = os.environ.get("AGENTOS_AGENT", "assistant")
