#!/usr/bin/env python
"""The Celery example: a Django page enqueues an AgentOS run, a Celery task streams it and stores
the answer, and the page shows the progress. Redis is the broker, the result backend and the cache
(where the task's cursor and the progress live, shared by every process).

    redis-server &
    export AGENTOS_URL=http://localhost:7777 REDIS_URL=redis://127.0.0.1:6379/0
    celery --workdir examples/celery_app -A celerydemo worker --pool=prefork --concurrency=4
    python examples/celery_app/manage.py runserver       # or: gunicorn --preload -w 4 celerydemo.wsgi

then open http://127.0.0.1:8000/. Kill a worker process mid-answer (``kill -9``): the task is
delivered again to another process, which re-attaches to the same run where it was.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "celerydemo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
