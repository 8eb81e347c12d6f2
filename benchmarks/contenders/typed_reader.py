"""The plain typed reader: requests ``iter_content`` + a blank-line split + pydantic's
``model_validate_json`` into this project's event models, with nothing else (no resume, no
bounds, no strict chunk checks): the yardstick for what typed events cost by themselves.

``resp.iter_content(chunk_size=None)`` yields what urllib3 decodes (one HTTP chunk at a time);
frames are split with ``bytes.find`` from where the previous search stopped (linear: a 4 MiB frame
arriving in pieces is searched once), each frame's ``event:``/``data:`` lines picked out, and
``events.event_class(name).model_validate_json(data)`` called.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from benchmarks.contenders import _harness

NAME = "typed-reader"
requests: Any = None
events: Any = None


def load() -> None:
    global requests, events
    import requests as _requests

    from agentos_sync import events as _events

    requests, events = _requests, _events


def make_client(url: str, threads: int = 1) -> Any:
    s = requests.Session()
    if threads > 1:
        s.mount("http://", requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=threads))
    return s


def _event(frame: bytes) -> Any:
    name, data = "message", b""
    for line in frame.split(b"\n"):
        if line.startswith(b"event: "):
            name = line[7:].decode()
        elif line.startswith(b"data: "):
            data = line[6:]
    return events.event_class(name).model_validate_json(data)


def open_stream(session: Any, url: str) -> Iterator[Any]:
    resp = session.post(
        f"{url}/agents/assistant/runs",
        data={"message": "bench", "stream": "true", "background": "true"},
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=(10, 300),
    )
    resp.raise_for_status()
    buf = bytearray()
    scan = 0
    try:
        for chunk in resp.iter_content(chunk_size=None):
            buf += chunk
            while True:
                end = buf.find(b"\n\n", scan)
                if end == -1:
                    scan = max(len(buf) - 1, 0)
                    break
                frame = bytes(buf[:end])
                del buf[: end + 2]  # a bytearray drops its head in O(1)
                scan = 0
                if frame and not frame.startswith(b":"):
                    yield _event(frame)
    finally:
        resp.close()


def event_index(ev: Any) -> Optional[int]:
    return getattr(ev, "event_index", None)


def event_type(ev: Any) -> str:
    return str(ev.event)


def close_client(session: Any) -> None:
    session.close()


if __name__ == "__main__":
    import sys

    _harness.main(sys.modules[__name__])
