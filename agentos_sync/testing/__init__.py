"""Test helpers: a fake AgentOS server and the transport that talks to it.

``MockTransport(handler)`` answers each request with a plain function (``json_response`` and
``sse_response`` build the answers). ``FakeAgentOS`` is a stateful, deterministic emulation of the
AgentOS HTTP server (agents, teams, workflows, sessions, runs, event buffers, ``/resume``),
scriptable with faults (``fake.faults``).
Use it in memory through ``FakeTransport`` (or ``fake.transport()``), or over real loopback HTTP
with ``fake.serve()``. ``FakeLLM`` is a deterministic OpenAI-compatible model server, for a real
AgentOS that needs no key (``examples/agentos_server.py``).

Example:
    ```python
    from agentos_sync import AgentOSClient
    from agentos_sync.testing import FakeAgentOS

    fake = FakeAgentOS()
    fake.faults.cut(after_events=3, path="/runs", method="POST")
    client = AgentOSClient("http://fake", transport=fake.transport())
    events = list(client.agents.stream("assistant", "What is 2 + 2?", background=True))
    assert fake.run_count("assistant") == 1
    ```
"""

from ._fake import FakeAgentOS, FakeTransport
from ._faults import Fault, FaultPlan, RawBody
from ._model import FakeRun, FakeSession, Reply, Script
from ._server import FakeServer
from ._transport import MockTransport, json_response, sse_response
from .fake_llm import FakeLLM

__all__ = [
    "FakeAgentOS",
    "FakeLLM",
    "FakeRun",
    "FakeServer",
    "FakeSession",
    "FakeTransport",
    "Fault",
    "FaultPlan",
    "MockTransport",
    "RawBody",
    "Reply",
    "Script",
    "json_response",
    "sse_response",
]
