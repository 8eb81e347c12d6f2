"""The resource classes behind ``client.agents``, ``client.teams``, ``client.workflows`` and
``client.sessions``, for type annotations and for adding an area.

Each resource is a small class over the client's one shared request core
(`APIResource`); a new AgentOS area is one more subclass and one more attribute on
`AgentOSClient`.

Example:
    ```python
    from agentos_sync import AgentOSClient
    from agentos_sync.resources import Runs
    from agentos_sync.models import AgentSummary

    def ask(agents: Runs[AgentSummary], question: str) -> str:
        return str(agents.run("assistant", question).content)

    ask(AgentOSClient().agents, "What is 2 + 2?")
    ```
"""

from ._evals import Evals
from ._knowledge import Knowledge
from ._memories import Memories
from ._metrics import Databases, Metrics
from ._resource import APIResource, CallOptions
from ._runs import ContinueFields, CreateFields, RunKind, Runs
from ._sessions import Sessions
from ._traces import Traces

__all__ = [
    "APIResource",
    "CallOptions",
    "ContinueFields",
    "CreateFields",
    "Databases",
    "Evals",
    "Knowledge",
    "Memories",
    "Metrics",
    "RunKind",
    "Runs",
    "Sessions",
    "Traces",
]
