"""The fake AgentOS of ``agentos-sync demo`` and ``serve-fake``, and of the test suite's docs
examples: the agents, team and workflow of the integration suite's real server, and the replies
the demo's four flows expect."""

from __future__ import annotations

from typing import Optional

from ._events import default_reply
from ._fake import FakeAgentOS

__all__ = ["AUTO_RESUME", "DISCONNECT", "NON_STREAMING", "STREAMING", "build_fake"]

NON_STREAMING = "What is 2 + 2? Explain your answer briefly."
STREAMING = "Tell me a short joke."
DISCONNECT = "Count from one to ten."
AUTO_RESUME = "Write two sentences about resumable streams."

_REPLIES = {
    NON_STREAMING: "2 + 2 = 4. Adding two to two gives four: start at two and count two more.",
    STREAMING: (
        "Why do programmers prefer dark mode? Because light attracts bugs, and they have enough of those already."
    ),
    DISCONNECT: "One, two, three, four, five, six, seven, eight, nine, ten.",
    AUTO_RESUME: (
        "A resumable stream remembers the index of the last event it delivered. When the "
        "connection drops, it asks the server to resume from that index, so every event still "
        "arrives exactly once and in order."
    ),
}


def _reply(message: str) -> str:
    return _REPLIES.get(message.strip()) or default_reply(message)


def build_fake(*, security_key: Optional[str] = None) -> FakeAgentOS:
    """The fake AgentOS of ``demo`` and ``serve-fake``: agents ``assistant`` and ``writer``, team
    ``duo``, workflow ``pipeline`` (the names of the integration suite's real server)."""
    fake = FakeAgentOS(security_key=security_key, with_defaults=False)
    fake.add_agent("assistant", name="Assistant", reply=_reply, description="Answers questions (fake model)")
    fake.add_agent("writer", name="Writer", description="Drafts text (fake model)")
    fake.add_team("duo", members=["assistant", "writer"], name="Duo", description="Assistant and Writer")
    fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")], name="Pipeline")
    return fake
