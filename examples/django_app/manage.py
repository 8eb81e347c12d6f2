#!/usr/bin/env python
"""The example Django project: a page that asks an AgentOS agent a question and shows the answer
streaming in, relayed by ``agentos_sync.contrib.django.stream_response``.

    python examples/django_app/manage.py runserver                 # embedded fake AgentOS
    AGENTOS_URL=http://localhost:7777 python examples/django_app/manage.py runserver

then open http://127.0.0.1:8000/. ``AGENTOS_API_KEY`` and ``AGENTOS_AGENT`` (default
``assistant``) are read too. Needs the ``django`` extra: ``pip install ".[django]"``.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "askdemo.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
