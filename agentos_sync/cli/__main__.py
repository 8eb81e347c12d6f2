"""``python -m agentos_sync.cli``: the ``agentos-sync`` command without the console script."""

from agentos_sync.cli import main

main()
