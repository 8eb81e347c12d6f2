"""Not a client: a raw socket that reads the whole response without parsing it.

Its events/s is what the server and loopback can deliver; every real contender must stay far below
it, else the benchmark measures the server. Frames are counted, not parsed: the run has n + 5.
"""

from __future__ import annotations

import socket
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

from benchmarks.contenders import _harness
from benchmarks.frames import EXTRA_EVENTS

NAME = "server-ceiling"
_BODY = b"message=bench&stream=true&background=true"


def load() -> None:
    pass


def make_client(url: str, threads: int = 1) -> Any:
    import http.client
    import json

    u = urlsplit(url)
    addr = (u.hostname or "127.0.0.1", u.port or 80)
    conn = http.client.HTTPConnection(*addr, timeout=30)
    conn.request("GET", "/_bench/scenario")
    total = int(json.loads(conn.getresponse().read())["n"]) + EXTRA_EVENTS
    conn.close()
    return addr, total


class _Done:
    event = "RunCompleted"


def open_stream(client: Any, url: str) -> Iterator[Any]:
    # Reads to the end-of-body marker and reports the scenario's event count: counting frames in
    # the raw bytes would need de-chunking, which is parsing.
    addr, total = client
    sock = socket.create_connection(addr)
    try:
        sock.sendall(
            b"POST /agents/assistant/runs HTTP/1.1\r\nHost: %s:%d\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
            % (addr[0].encode(), addr[1], len(_BODY), _BODY)
        )
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        tail = b""
        while True:
            k = sock.recv_into(view)
            if not k:
                break
            tail = (tail + bytes(view[max(0, k - 7) : k]))[-7:]
            if tail == b"\r\n0\r\n\r\n":
                break
    finally:
        sock.close()
    for _ in range(total - 1):
        yield None
    yield _Done()


def event_index(ev: Any) -> Optional[int]:
    return None


def event_type(ev: Any) -> str:
    return "RunCompleted" if isinstance(ev, _Done) else ""


def close_client(addr: Any) -> None:
    pass


if __name__ == "__main__":
    import sys

    _harness.main(sys.modules[__name__])
