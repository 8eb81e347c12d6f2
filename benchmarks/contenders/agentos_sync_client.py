"""This project's client: ``agentos_sync.AgentOSClient.run_agent_stream(..., background=True)``,
iterated to the end, typed events.

Everything the benchmarks need from the client API is in the four functions below; adapt them
here if the API changes (nothing else in ``benchmarks/`` imports agentos_sync):

- ``AgentOSClient(base_url=url)``: defaults, including the default ``ReconnectPolicy`` (the
  reconnect-gap and refused-connection measurements rely on it: ``initial_backoff=0.1``).
- ``threads > 1``: the same client shared by that many threads, with a connection pool that holds
  them: ``AgentOSClient(base_url=url, transport=RequestsTransport(pool_maxsize=threads))``.
- ``client.run_agent_stream("assistant", "bench", background=True)``: iterable of events that
  resumes transparently after a cut; ``stream.reconnects`` is reported when present.
- ``ev.event_index`` (None on meta events, if the stream yields them) and ``ev.event`` (type name).
- ``agentos_sync.ReconnectPolicy().initial_backoff``: the default first backoff (``describe``).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from benchmarks.contenders import _harness

NAME = "agentos_sync"
agentos_sync: Any = None


def load() -> None:
    global agentos_sync
    import agentos_sync as _agentos_sync

    if not hasattr(_agentos_sync, "AgentOSClient"):
        raise RuntimeError("agentos_sync has no AgentOSClient yet (package not written?)")
    agentos_sync = _agentos_sync


def make_client(url: str, threads: int = 1) -> Any:
    if threads <= 1:
        return agentos_sync.AgentOSClient(base_url=url)
    from agentos_sync.transports import RequestsTransport

    return agentos_sync.AgentOSClient(base_url=url, transport=RequestsTransport(pool_maxsize=threads))


def open_stream(client: Any, url: str) -> Iterable[Any]:
    return client.run_agent_stream("assistant", "bench", background=True)  # type: ignore[no-any-return]


def event_index(ev: Any) -> Optional[int]:
    return getattr(ev, "event_index", None)


def event_type(ev: Any) -> str:
    e = getattr(ev, "event", None)
    return str(getattr(e, "value", e))


def describe() -> Dict[str, Any]:
    """The default reconnect policy: the reconnect-gap target is ``initial_backoff + 20 ms``."""
    policy = agentos_sync.ReconnectPolicy()
    return {"initial_backoff": policy.initial_backoff, "version": getattr(agentos_sync, "__version__", None)}


def close_client(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        close()


if __name__ == "__main__":
    import sys

    _harness.main(sys.modules[__name__])
