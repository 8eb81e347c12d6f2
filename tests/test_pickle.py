"""Everything a task may return or raise crosses a process boundary: errors pickle, models and
events round-trip through JSON (Celery's default serializer)."""

from __future__ import annotations

import json
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Dict, List

import pytest

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.models import RunOutput
from agentos_sync.testing import FakeAgentOS, FakeTransport
from agentos_sync.transports.base import BytesResponse, Request

REQUEST = Request(method="GET", url="http://x/agents/a", headers={"Authorization": "Bearer secret"})


def _every_error() -> List[errors.AgentOSError]:
    """One instance of every public error class, built with every field it has."""
    stream_fields: Dict[str, Any] = {"run_id": "r1", "session_id": "s1", "last_event_index": 7, "request": REQUEST}
    out: List[errors.AgentOSError] = [
        errors.AgentOSError("base", request=REQUEST),
        errors.APIConnectionError("down", request=REQUEST, reached_server=False),
        errors.APITimeoutError("slow", request=REQUEST, reached_server=True),
        errors.RunAnswerLostError("lost", run_id="r1", session_id="s1", status_code=504, request=REQUEST),
        errors.APIStatusError("redirected", status_code=302, detail="http://elsewhere", request=REQUEST),
        errors.StreamError("cut", **stream_fields),
        errors.StreamInterruptedError("cut", events_received=5, **stream_fields),
        errors.ReconnectExhaustedError("spent", attempts=3, **stream_fields),
        errors.RunLostError("lost", **stream_fields),
        errors.RunIncompleteError(
            "incomplete",
            missing=[(3, 9), (12, None)],
            output=RunOutput(run_id="r1", status="COMPLETED", content="the whole answer"),
            **stream_fields,
        ),
        errors.RunNotFoundError("gone", **stream_fields),
        errors.ProtocolError("garbage", **stream_fields),
        errors.RunFailedError(
            "failed",
            event=events.RunErrorEvent(event="RunError", run_id="r1", content="boom"),
            output=RunOutput(run_id="r1", status="ERROR", content="boom"),
        ),
    ]
    for status in (400, 401, 403, 404, 409, 422, 429, 500, 503):
        response = BytesResponse(status, {"content-type": "application/json"}, b'{"detail": "x"}')
        detail: Any = [{"loc": ["body", "message"], "msg": "required"}] if status == 422 else f"detail {status}"
        out.append(
            errors.make_status_error(status, detail, method="POST", path="/p", response=response, request=REQUEST)
        )
    page = BytesResponse(502, {"content-type": "text/html"}, b"<h1>502 Bad Gateway</h1>")
    out.append(
        errors.make_status_error(
            502, "502 Bad Gateway", method="POST", path="/p", response=page, request=REQUEST, from_agentos=False
        )
    )
    return out


def test_every_public_error_class_is_covered() -> None:
    covered = {type(e).__name__ for e in _every_error()}
    assert covered == set(errors.__all__)


@pytest.mark.parametrize("exc", _every_error(), ids=lambda e: type(e).__name__)
def test_every_error_pickles_with_its_fields_and_without_live_objects(exc: errors.AgentOSError) -> None:
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert str(back) == str(exc) and back.args == exc.args and back.message == exc.message
    assert back.request is None  # the request names a live connection's headers; it stays behind
    plain = {k: v for k, v in vars(exc).items() if k not in ("request", "response")}
    assert {k: v for k, v in vars(back).items() if k not in ("request", "response")} == plain
    if isinstance(exc, errors.APIStatusError):
        assert back.status_code == exc.status_code and back.detail == exc.detail
        assert back.response is None
    if isinstance(exc, errors.StreamError):
        assert (back.run_id, back.session_id, back.last_event_index) == ("r1", "s1", 7)


def test_an_error_holding_a_live_response_with_a_lock_pickles() -> None:
    # The response of a real transport holds a lock; pickling it raised TypeError before.
    class Locked(BytesResponse):
        def __init__(self) -> None:
            super().__init__(404, {}, b"")
            self.lock = threading.Lock()

    exc = errors.make_status_error(404, "nope", method="GET", path="/agents/x", response=Locked())
    back = pickle.loads(pickle.dumps(exc))
    assert isinstance(back, errors.NotFoundError) and back.status_code == 404 and back.response is None


def _raise_not_found(agent_id: str) -> None:
    AgentOSClient("http://fake.local", transport=FakeTransport(FakeAgentOS()), max_retries=0).get_agent(agent_id)


def test_an_error_raised_in_a_process_pool_reaches_the_parent_intact() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_raise_not_found, "nope")
        with pytest.raises(errors.NotFoundError) as info:
            future.result()
    assert info.value.status_code == 404 and "nope" in str(info.value)


def test_run_output_and_events_round_trip_through_json(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "What is 2 + 2?", background=True)
    evs = list(stream)
    output = stream.get_final_output()
    text = json.dumps(output.model_dump(mode="json"))
    assert RunOutput.model_validate(json.loads(text)) == output
    for ev in evs:
        data = json.loads(json.dumps(ev.model_dump(mode="json")))
        again = events.event_class(data["event"]).model_validate(data)
        assert type(again) is type(ev) and again == ev


def test_a_status_error_rebuilt_from_its_message_alone_keeps_its_status() -> None:
    # Celery's JSON result serializer stores only the class and args, and calls cls(*args).
    assert errors.NotFoundError("gone").status_code == 404
    assert errors.RateLimitError("slow down").status_code == 429
    assert errors.InternalServerError("failed").status_code == 500
    with pytest.raises(TypeError, match="status_code"):
        errors.APIStatusError("which status?")
