"""The hand-rolled peer: requests + sseclient-py + json.loads, written the way people write it.

``sseclient.SSEClient(resp)`` over a ``stream=True`` response, as sseclient-py's README shows it:
iterating a requests ``Response`` reads it through ``iter_content(128)``. ``BENCH_HANDROLLED_CHUNK``
switches the source to ``resp.iter_content(chunk_size=N)`` (``none`` for ``chunk_size=None``, i.e.
whatever the socket returns) to show what that one line costs; the table uses the README form.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, Optional

from benchmarks.contenders import _harness

NAME = "handrolled"
requests: Any = None
sseclient: Any = None
_CHUNK = os.environ.get("BENCH_HANDROLLED_CHUNK", "")


def load() -> None:
    global requests, sseclient
    import requests as _requests
    import sseclient as _sseclient

    requests, sseclient = _requests, _sseclient


def make_client(url: str, threads: int = 1) -> Any:
    s = requests.Session()
    if threads > 1:
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=threads)
        s.mount("http://", adapter)
    return s


def open_stream(session: Any, url: str) -> Iterator[Dict[str, Any]]:
    resp = session.post(
        f"{url}/agents/assistant/runs",
        data={"message": "bench", "stream": "true", "background": "true"},
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=(10, 300),
    )
    resp.raise_for_status()
    source: Any = resp
    if _CHUNK:
        source = resp.iter_content(chunk_size=None if _CHUNK == "none" else int(_CHUNK))
    try:
        for event in sseclient.SSEClient(source).events():
            yield json.loads(event.data)
    finally:
        resp.close()


def event_index(ev: Dict[str, Any]) -> Optional[int]:
    return ev.get("event_index")


def event_type(ev: Dict[str, Any]) -> str:
    return str(ev.get("event"))


def close_client(session: Any) -> None:
    session.close()


if __name__ == "__main__":
    import sys

    _harness.main(sys.modules[__name__])
