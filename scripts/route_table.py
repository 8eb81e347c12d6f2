"""Write docs/routes.md, the table of every AgentOS route and the client method that calls it,
from tests/agentos_routes.py (the list the route coverage test checks).

    python scripts/route_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from agentos_routes import route_table  # noqa: E402

if __name__ == "__main__":
    (ROOT / "docs" / "routes.md").write_text(route_table())
    print("wrote docs/routes.md")
