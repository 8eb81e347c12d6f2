"""agno's own async client: ``agno.client.AgentOSClient.run_agent_stream`` under ``asyncio.run``.

Typed events (agno's ``RunOutputEvent`` dataclasses). When agno is not installed the result is an
error row saying so, and the runner shows it as skipped.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Optional

from benchmarks.contenders import _harness

NAME = "agno"
IS_ASYNC = True
AgentOSClient: Any = None


def load() -> None:
    global AgentOSClient
    try:
        from agno.client import AgentOSClient as _Client
    except ImportError as exc:
        raise RuntimeError(f"not installed: agno ({exc})") from exc
    AgentOSClient = _Client


def make_client(url: str, threads: int = 1) -> Any:
    return AgentOSClient(base_url=url, timeout=300.0)


def open_stream(client: Any, url: str) -> AsyncIterator[Any]:
    return client.run_agent_stream("assistant", "bench", background=True)  # type: ignore[no-any-return]


def event_index(ev: Any) -> Optional[int]:
    return getattr(ev, "event_index", None)


def event_type(ev: Any) -> str:
    e = getattr(ev, "event", None)
    return str(getattr(e, "value", e))


def close_client(client: Any) -> None:
    pass


if __name__ == "__main__":
    import sys

    _harness.main(sys.modules[__name__])
