"""Helpers shared by the unit tests (imported as ``_support``)."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Set, Tuple

from agentos_sync import AgentOSClient, ReconnectPolicy
from agentos_sync.testing import MockTransport
from agentos_sync.transports.base import Request, Response

#: The package's MockTransport records what was sent, as these tests need.
HandlerTransport = MockTransport


#: Reconnects without real waiting: unit tests must not sleep.
FAST_RECONNECT = ReconnectPolicy(max_attempts=5, initial_backoff=0.0, max_backoff=0.0, deadline=30.0)


def handler_client(handler: Callable[[Request], Response], **kwargs: object) -> Tuple[AgentOSClient, HandlerTransport]:
    transport = HandlerTransport(handler)
    kwargs.setdefault("reconnect", FAST_RECONNECT)
    return AgentOSClient("http://test.local", transport=transport, **kwargs), transport  # type: ignore[arg-type]


# -- sockets and the pool (32-thread tests, unit and real-server) ------------------------------


def established_sockets(port: int) -> int:
    """How many ESTABLISHED TCP sockets this process has to ``port`` (Linux /proc)."""
    return len(local_ports(port))


def local_ports(port: int) -> Set[int]:
    """The local ports of this process's ESTABLISHED TCP sockets whose peer is ``port``."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports: Set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                next(fh)
                for line in fh:
                    cols = line.split()
                    if cols[3] == "01" and int(cols[2].rsplit(":", 1)[1], 16) == port and cols[9] in inodes:
                        ports.add(int(cols[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return ports


def pool_state(client: AgentOSClient) -> Dict[str, int]:
    """urllib3's view of the pool: connections it made, and idle ones holding an open socket."""
    session = client.transport._session  # type: ignore[attr-defined]
    made = idle = 0
    for adapter in {id(a): a for a in session.adapters.values()}.values():
        for key in list(adapter.poolmanager.pools.keys()):
            pool = adapter.poolmanager.pools[key]
            made += pool.num_connections
            idle += sum(1 for conn in list(pool.pool.queue) if conn is not None and conn.sock is not None)
    return {"made": made, "idle": idle}


def in_child(body: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """Run ``body`` in a forked child; its JSON result, or the error it raised, as a dict."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            try:
                result = body()
            except BaseException as exc:  # reported to the parent, which asserts on it
                result = {"raised": type(exc).__name__, "message": str(exc)}
            with os.fdopen(write_end, "w") as out:
                json.dump(result, out)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as inp:
        text = inp.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child failed: {status}"
    return dict(json.loads(text))


class Clock:
    """``retry._now`` and ``retry._sleep`` for a test (the ``clock`` fixture): a sleep advances
    the clock, so waits of minutes take no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: List[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
