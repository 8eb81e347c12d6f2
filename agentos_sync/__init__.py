"""agentos_sync: a synchronous client for AgentOS, the HTTP server of the agno agent framework.

Run agents, teams and workflows from code without asyncio, stream their typed events in a plain
``for`` loop, and never lose an event when a connection drops: background run streams resume
through ``/resume`` by themselves.

Example:
    ```python
    from agentos_sync import AgentOSClient, events

    client = AgentOSClient("http://localhost:7777")
    for ev in client.agents.stream("assistant", "Tell me a joke", background=True):
        if isinstance(ev, events.RunContentEvent):
            print(ev.content, end="")
    ```

Importing this package opens nothing and reads no environment variable; the fake server, the CLI
and the framework helpers load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List

from . import errors, events
from ._http import Timeout
from ._observe import HookRequest, HookResponse
from ._raw import RawResponse
from ._version import __version__
from .client import AgentOSClient
from .cursors import RunCursor
from .errors import (
    AgentOSError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitError,
    ReconnectExhaustedError,
    RunAnswerLostError,
    RunFailedError,
    RunIncompleteError,
    RunLostError,
    RunNotFoundError,
    StreamError,
    StreamInterruptedError,
    UnprocessableEntityError,
)
from .events import (
    CatchUpEvent,
    ReplayEvent,
    RunCompletedEvent,
    RunContentEvent,
    RunErrorEvent,
    RunEvent,
    RunStartedEvent,
    StreamMetaEvent,
    SubscribedEvent,
    UnknownEvent,
)
from .models import (
    AgentSummary,
    ConfigResponse,
    RunAccepted,
    RunOutput,
    RunStatus,
    TeamSummary,
    WorkflowSummary,
)
from .retry import ReconnectPolicy, RetryPolicy
from .streams import RunStream, StreamStats

if TYPE_CHECKING:
    from .concurrency import RunRequest, RunResult, StreamWorker, run_many


def __getattr__(name: str) -> Any:
    # The thread helpers load on first use: `import agentos_sync` stays cheap.
    if name in ("RunRequest", "RunResult", "StreamWorker", "run_many"):
        from . import concurrency

        return getattr(concurrency, name)
    raise AttributeError(f"module 'agentos_sync' has no attribute {name!r}")


def __dir__() -> List[str]:
    # What a user can use (the lazy thread helpers included), not the typing names this module
    # imports for itself (Any, TYPE_CHECKING, annotations) nor its submodules' plumbing.
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AgentOSClient",
    "AgentOSError",
    "AgentSummary",
    "AuthenticationError",
    "BadRequestError",
    "CatchUpEvent",
    "ConfigResponse",
    "ConflictError",
    "GatewayError",
    "HookRequest",
    "HookResponse",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RawResponse",
    "ReconnectExhaustedError",
    "ReconnectPolicy",
    "ReplayEvent",
    "RetryPolicy",
    "RunAccepted",
    "RunAnswerLostError",
    "RunCompletedEvent",
    "RunContentEvent",
    "RunCursor",
    "RunErrorEvent",
    "RunEvent",
    "RunFailedError",
    "RunIncompleteError",
    "RunLostError",
    "RunNotFoundError",
    "RunOutput",
    "RunRequest",
    "RunResult",
    "RunStartedEvent",
    "RunStatus",
    "RunStream",
    "StreamError",
    "StreamInterruptedError",
    "StreamMetaEvent",
    "StreamStats",
    "StreamWorker",
    "SubscribedEvent",
    "TeamSummary",
    "Timeout",
    "UnknownEvent",
    "UnprocessableEntityError",
    "WorkflowSummary",
    "__version__",
    "errors",
    "events",
    "run_many",
]
