"""The AgentOS the example talks to when ``AGENTOS_URL`` is not set: agentos_sync's own fake,
served over loopback HTTP from a thread, slowed down so that the streaming is visible."""

import threading
from typing import Optional

from agentos_sync.testing import FakeAgentOS, FakeServer

_lock = threading.Lock()
_server: Optional[FakeServer] = None


def _reply(message: str) -> str:
    return (
        f"You asked: {message.strip()} This answer comes from the embedded fake AgentOS, one word at a "
        "time, so that you can watch it stream. Set AGENTOS_URL to talk to a real server."
    )


def url() -> str:
    """Start the embedded fake AgentOS once per process; its base URL."""
    global _server
    with _lock:
        if _server is None:
            fake = FakeAgentOS(with_defaults=False).add_agent("assistant", name="Assistant", reply=_reply)
            _server = fake.serve(event_delay=0.05)
        return _server.url
