"""What every cookbook example shares: where the AgentOS is (``AGENTOS_URL``, default
http://localhost:7777). The scripts are agno's ``cookbook/05_agent_os/client`` flows, written for
agentos_sync: the same steps and printed lines, without ``async``/``await``."""

import os

BASE_URL = os.environ.get("AGENTOS_URL", "http://localhost:7777")
