"""A run create whose answer was lost: how to tell, and what the caller is told.

Every create names its run (``run_id`` and ``session_id`` form fields, which AgentOS 3.1.10 takes
for agents, teams and workflows), so when the answer does not come back, the run can still be
found by its id. An answer is lost when the connection broke after the request was sent, when the
client's own read timeout passed, or when a gateway answered 502/503/504 with a page of its own
(nginx does when its link to AgentOS resets, or when AgentOS is slower than its
``proxy_read_timeout``): in each case AgentOS may have got the request and may be running it.
Sending it again could run it twice, so the client never does; it finds the run instead.
"""

from __future__ import annotations

from typing import Callable, Optional

from . import errors, retry
from ._http import Timeout
from .models import RunOutput

#: How long after a lost answer a background create's run must still be absent before the create
#: counts as never received and is sent again. (A server still inside the create handler lists it
#: moments later: 1 of 200 header cuts was listed only after two look-ups 20 ms apart.)
CREATE_SETTLE_S = 0.5

#: The first wait between two look-ups of a run whose answer was lost; it doubles up to the cap.
_FIRST_POLL_S = 0.25
_MAX_POLL_S = 2.0


def answer_lost(exc: BaseException) -> bool:
    """Whether ``exc`` means the request may have reached AgentOS but its answer never came back."""
    if isinstance(exc, errors.GatewayError):
        return True
    return isinstance(exc, errors.APIConnectionError) and exc.reached_server


def lost_reason(exc: BaseException) -> str:
    """A few words on how the answer was lost, for messages."""
    if isinstance(exc, errors.GatewayError):
        if exc.status_code == 504:
            return "a gateway in front of AgentOS answered 504: it waited for AgentOS longer than its read timeout"
        return f"a gateway in front of AgentOS answered {exc.status_code} instead of AgentOS"
    if isinstance(exc, errors.APITimeoutError):
        return "no answer came within the timeout"
    return "the connection broke before the answer came"


def fetch_hint(kind_path: str, entity_id: str, run_id: Optional[str], session_id: Optional[str]) -> str:
    """The call that fetches a run's result, spelled out with its ids."""
    return f"client.{kind_path}.wait({entity_id!r}, {run_id!r}, {session_id!r})"


#: A look-up is given at least this long, even when the deadline is closer: one last look.
_MIN_LOOKUP_S = 1.0


def wait_for_run(fetch: Callable[[Timeout], RunOutput], *, deadline: float, limits: Timeout) -> Optional[RunOutput]:
    """Look the run up until it is terminal or ``deadline`` (a ``retry.deadline_after()`` reading)
    has passed; returns the terminal run, or None when it was not found finished in time.
    ``fetch`` is given the timeout of one look-up (``limits`` cut to what is left).

    AgentOS stores a foreground run only when it ends (measured on 3.1.10: ``GET .../runs/{id}``
    answers 404 until then), so "not found" means "not finished yet" as much as "never made", and
    both are waited on. A gateway or server still failing (5xx), or the connection, is waited on
    too; any other error (the key was revoked, the agent is gone) is raised."""
    wait = _FIRST_POLL_S
    while True:
        # Each look-up is bounded by what is left, so a gateway that now hangs cannot hold the
        # call past its deadline (a look-up is a GET: the plain retries apply inside it).
        left = max(retry.remaining(deadline), _MIN_LOOKUP_S)
        bounded = Timeout(connect=min(limits.connect, left), read=min(limits.read, left), total=left)
        try:
            run = fetch(bounded)
            if run.is_terminal:
                return run
        except (errors.NotFoundError, errors.InternalServerError, errors.APIConnectionError):
            pass
        left = retry.remaining(deadline)
        if left <= 0:
            return None
        retry._sleep(min(wait, left))
        wait = min(wait * 2, _MAX_POLL_S)
