"""The httpx peer: httpx + httpx-sse ``connect_sse`` + json.loads (sync API)."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Optional

from benchmarks.contenders import _harness

NAME = "httpx-sse"
httpx: Any = None
connect_sse: Any = None


def load() -> None:
    global httpx, connect_sse
    import httpx as _httpx
    from httpx_sse import connect_sse as _connect_sse

    httpx, connect_sse = _httpx, _connect_sse


def make_client(url: str, threads: int = 1) -> Any:
    limits = httpx.Limits(max_connections=max(10, threads), max_keepalive_connections=max(10, threads))
    return httpx.Client(timeout=httpx.Timeout(10.0, read=300.0), limits=limits)


def open_stream(client: Any, url: str) -> Iterator[Dict[str, Any]]:
    with connect_sse(
        client,
        "POST",
        f"{url}/agents/assistant/runs",
        data={"message": "bench", "stream": "true", "background": "true"},
    ) as source:
        source.response.raise_for_status()
        for sse in source.iter_sse():
            yield json.loads(sse.data)


def event_index(ev: Dict[str, Any]) -> Optional[int]:
    return ev.get("event_index")


def event_type(ev: Dict[str, Any]) -> str:
    return str(ev.get("event"))


def close_client(client: Any) -> None:
    client.close()


if __name__ == "__main__":
    import sys

    _harness.main(sys.modules[__name__])
