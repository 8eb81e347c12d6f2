"""The Django example as ``gunicorn --preload`` loads it, plus what a real project does at import:
use the shared client. The master process then holds a pooled connection to AgentOS that every
worker inherits when gunicorn forks it (the case the fork safety of the transport is for).

``gunicorn --preload gunicorn_preload:application`` with ``AGENTOS_URL`` set.
"""

import os
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_app"
sys.path.insert(0, str(EXAMPLE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "askdemo.settings")

from askdemo.wsgi import application  # noqa: E402

from agentos_sync.contrib.django import get_client  # noqa: E402

get_client().health()

__all__ = ["application"]
