"""``python -m agentos_sync``: the ``agentos-sync`` command, for when the console script is not on
PATH (a venv that is not activated, ``pipx run``-less setups)."""

import sys

try:
    from agentos_sync.cli import main
except ImportError as exc:  # click or rich missing: the command line is the `cli` extra
    sys.exit(f"python -m agentos_sync needs the cli extra ({exc}): python -m pip install 'agentos_sync[cli]'")

main()
