"""AgentOSClient over exact, hand-written answers: status mapping, retries, encoding, validation."""

from __future__ import annotations

import json
import logging
from typing import Dict, List
from urllib.parse import parse_qs

import pytest
from _support import Clock, HandlerTransport, handler_client

from agentos_sync import AgentOSClient, ReconnectPolicy, errors
from agentos_sync._http import encode_form
from agentos_sync.testing import FakeAgentOS, FakeTransport
from agentos_sync.transports.base import BytesResponse, IteratorResponse, Request, Response

JSON = {"content-type": "application/json"}


def json_response(status: int, body: object, headers: Dict[str, str] = JSON) -> Response:
    return BytesResponse(status, headers, json.dumps(body).encode())


STATUS_TABLE = [
    (400, errors.BadRequestError),
    (401, errors.AuthenticationError),
    (403, errors.PermissionDeniedError),
    (404, errors.NotFoundError),
    (409, errors.ConflictError),
    (422, errors.UnprocessableEntityError),
    (429, errors.RateLimitError),
    (500, errors.InternalServerError),
    (501, errors.InternalServerError),
    (503, errors.InternalServerError),
    (418, errors.APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_TABLE)
def test_every_status_maps_to_its_exception(status: int, cls: type) -> None:
    client, _ = handler_client(lambda r: json_response(status, {"detail": "nope"}), max_retries=0)
    with pytest.raises(cls) as info:
        client.get_agent("assistant")
    exc = info.value
    assert isinstance(exc, errors.APIStatusError)
    assert exc.status_code == status and exc.detail == "nope"
    assert exc.response is not None and exc.request is not None
    assert f"returned {status}" in str(exc)


def test_a_404_names_what_was_not_found_and_how_to_list_what_exists(client: AgentOSClient) -> None:
    with pytest.raises(errors.NotFoundError) as agent:
        client.run_agent("nobody", "hi")
    assert agent.value.message == (
        "POST /agents/nobody/runs returned 404: Agent not found "
        "(no agent 'nobody' on this server; client.list_agents() lists the agents it has)"
    )
    with pytest.raises(errors.NotFoundError) as run:
        client.get_agent_run("assistant", "no-such-run", "s1")
    assert run.value.message == (
        "GET /agents/assistant/runs/no-such-run returned 404: Run not found (no run 'no-such-run' of agent "
        "'assistant'; client.list_agent_runs('assistant', session_id) lists a session's runs)"
    )
    with pytest.raises(errors.NotFoundError) as team:
        client.get_team("a team")
    assert "(no team 'a team' on this server; client.list_teams() lists the teams it has)" in str(team.value)
    with pytest.raises(errors.NotFoundError) as session:
        client.get_session("gone")
    assert session.value.message.endswith("(no session 'gone'; client.get_sessions() lists the sessions)")


def test_a_404_without_a_kind_in_its_detail_names_every_id_of_the_path() -> None:
    client, _ = handler_client(lambda r: json_response(404, {"detail": "Not Found"}), max_retries=0)
    with pytest.raises(errors.NotFoundError) as info:
        client.get_workflow_run("pipeline", "r1", "s1")
    assert info.value.message == (
        "GET /workflows/pipeline/runs/r1 returned 404: Not Found (one of workflow 'pipeline', run 'r1' does "
        "not exist; client.list_workflows() lists the workflows it has)"
    )
    with pytest.raises(errors.NotFoundError) as route:
        client.get_config()
    assert route.value.message == (
        "GET /config returned 404: Not Found (the server has no such route; check that base_url is the "
        "AgentOS's address)"
    )


def test_422_detail_list_is_kept() -> None:
    detail = [{"loc": ["body", "message"], "msg": "Field required", "type": "missing"}]
    client, _ = handler_client(lambda r: json_response(422, {"detail": detail}))
    with pytest.raises(errors.UnprocessableEntityError) as info:
        client.run_agent("assistant", "hi")
    assert info.value.detail == detail


def test_html_error_page_becomes_readable_detail() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    client, _ = handler_client(lambda r: BytesResponse(502, {"content-type": "text/html"}, page), max_retries=0)
    with pytest.raises(errors.InternalServerError) as info:
        client.list_agents()
    assert "Bad Gateway" in str(info.value.detail) and "<h1>" not in str(info.value.detail)


def test_html_page_with_200_is_protocol_error() -> None:
    client, _ = handler_client(lambda r: BytesResponse(200, {"content-type": "text/html"}, b"<html>login</html>"))
    with pytest.raises(errors.ProtocolError, match="not JSON"):
        client.get_config()


def test_list_endpoint_that_returns_object_is_protocol_error() -> None:
    client, _ = handler_client(lambda r: json_response(200, {"oops": 1}))
    with pytest.raises(errors.ProtocolError):
        client.list_agents()


def test_get_is_retried_on_503_honouring_retry_after(sleeps: List[float]) -> None:
    answers = [json_response(503, {"detail": "busy"}, {**JSON, "Retry-After": "2"}), json_response(200, [])]
    client, transport = handler_client(lambda r: answers.pop(0))
    assert client.list_agents() == []
    assert len(transport.requests) == 2
    assert sleeps == [2.0]


def test_retry_after_is_capped(sleeps: List[float]) -> None:
    answers = [json_response(429, {"detail": "slow"}, {**JSON, "Retry-After": "86400"}), json_response(200, [])]
    client, _ = handler_client(lambda r: answers.pop(0))
    client.list_agents()
    assert sleeps == [60.0]


def test_retries_stop_after_max_retries() -> None:
    client, transport = handler_client(lambda r: json_response(503, {"detail": "busy"}), max_retries=2)
    with pytest.raises(errors.InternalServerError):
        client.list_agents()
    assert len(transport.requests) == 3


def test_create_run_is_not_retried_after_it_reached_the_server(clock: Clock) -> None:
    def handler(request: Request) -> Response:
        if request.method == "GET":
            return json_response(404, {"detail": "Run not found"})
        raise errors.APIConnectionError("reset", reached_server=True)

    client, transport = handler_client(handler, max_retries=3, timeout=(5, 30))
    with pytest.raises(errors.RunAnswerLostError) as info:
        client.run_agent("assistant", "hi")
    posts = [r for r in transport.requests if r.method == "POST"]
    assert len(posts) == 1
    # It was looked for by its own id, for as long as the call would have waited for the answer.
    assert info.value.run_id == (posts[0].form or {})["run_id"] and info.value.session_id
    assert all(info.value.run_id in r.url for r in transport.requests if r.method == "GET")
    assert 29 <= sum(clock.sleeps) <= 30
    assert "retry later" not in str(info.value) and "client.agents.wait('assistant'" in str(info.value)


def test_create_run_is_not_retried_on_503() -> None:
    client, transport = handler_client(lambda r: json_response(503, {"detail": "busy"}), max_retries=3)
    with pytest.raises(errors.InternalServerError):
        client.run_agent("assistant", "hi")
    assert len(transport.requests) == 1


def test_create_run_is_retried_when_connection_refused() -> None:
    calls: List[int] = []

    def handler(request: Request) -> Response:
        calls.append(1)
        if len(calls) < 3:
            raise errors.APIConnectionError("refused", reached_server=False)
        return json_response(200, {"run_id": "r1", "content": "ok", "status": "COMPLETED"})

    client, _ = handler_client(handler, max_retries=2)
    assert client.run_agent("assistant", "hi").content == "ok"
    assert len(calls) == 3


def test_form_encoding_is_what_the_server_expects() -> None:
    client, transport = handler_client(lambda r: json_response(200, {"run_id": "r", "status": "COMPLETED"}))
    client.run_agent(
        "assistant",
        "What is 2 + 2?",
        session_id="s1",
        user_id=None,
        session_state={"a": 1},
        metadata={"k": [1, 2]},
        add_history_to_context=True,
        extra_body={"num_history_runs": 3},
    )
    form = dict(transport.requests[0].form or {})
    # Every create names its run, so that one whose answer is lost can be found by its id.
    assert len(form.pop("run_id")) == 36
    assert form == {
        "message": "What is 2 + 2?",
        "stream": "false",
        "background": "false",
        "session_id": "s1",
        "session_state": '{"a": 1}',
        "metadata": '{"k": [1, 2]}',
        "add_history_to_context": "true",
        "num_history_runs": "3",
    }
    assert transport.requests[0].headers["Idempotency-Key"]
    assert transport.requests[0].url == "http://test.local/agents/assistant/runs"


def test_encode_form_rejects_unserialisable_values() -> None:
    with pytest.raises(TypeError, match="metadata"):
        encode_form({"metadata": {"x": object()}})
    with pytest.raises(TypeError, match="weird"):
        encode_form({"weird": object()})


def test_background_run_returns_accepted() -> None:
    client, transport = handler_client(
        lambda r: json_response(202, {"run_id": "r1", "session_id": "s1", "status": "PENDING"})
    )
    acc = client.run_agent("assistant", "hi", background=True)
    assert (acc.run_id, acc.session_id, acc.status) == ("r1", "s1", "PENDING")
    assert transport.requests[0].form is not None and transport.requests[0].form["background"] == "true"


@pytest.mark.parametrize("bad", ["a/b", "..", ".", "", " x", "x\n", "a?b", "a#b", "ü/../config"])
def test_ids_cannot_change_the_path(bad: str) -> None:
    client, transport = handler_client(lambda r: json_response(200, {"id": "x"}))
    try:
        client.get_agent(bad)
    except ValueError as exc:
        assert "agent_id" in str(exc)
        return
    url = transport.requests[0].url
    assert url.startswith("http://test.local/agents/") and url.count("/") == 4, url


def test_unicode_and_space_ids_are_quoted() -> None:
    client, transport = handler_client(lambda r: json_response(200, {"id": "x"}))
    client.get_agent("ägent one")
    assert transport.requests[0].url == "http://test.local/agents/%C3%A4gent%20one"


@pytest.mark.parametrize("bad", [None, 3, b"x", ["m"]])
def test_message_must_be_str(bad: object) -> None:
    client, _ = handler_client(lambda r: json_response(200, {}))
    with pytest.raises(TypeError, match="message"):
        client.run_agent("assistant", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"base_url": "localhost:7777"}, ValueError, "base_url"),
        ({"base_url": "ftp://x"}, ValueError, "base_url"),
        ({"base_url": "http://x?a=1"}, ValueError, "base_url"),
        ({"base_url": "http://u:p@x"}, ValueError, "credentials"),
        ({"base_url": 7}, TypeError, "base_url"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"timeout": (1, 0)}, ValueError, "timeout"),
        ({"timeout": float("inf")}, ValueError, "timeout"),
        ({"timeout": "10"}, TypeError, "timeout"),
        ({"timeout": None}, ValueError, "timeout"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"max_event_bytes": 10}, ValueError, "max_event_bytes"),
        ({"api_key": ""}, TypeError, "api_key"),
    ],
)
def test_bad_constructor_arguments_name_themselves(kwargs: dict, exc: type, word: str) -> None:  # type: ignore[type-arg]
    args = {"base_url": "http://localhost:7777", **kwargs}
    with pytest.raises(exc, match=word):
        AgentOSClient(**args)


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"max_attempts": -1}, ValueError),
        ({"max_attempts": 1.5}, TypeError),
        ({"initial_backoff": -0.1}, ValueError),
        ({"deadline": float("inf")}, ValueError),
        ({"max_backoff": float("nan")}, ValueError),
        ({"initial_backoff": 2.0, "max_backoff": 1.0}, ValueError),
    ],
)
def test_reconnect_policy_that_could_loop_forever_is_refused(kwargs: dict, exc: type) -> None:  # type: ignore[type-arg]
    with pytest.raises(exc, match="ReconnectPolicy"):
        ReconnectPolicy(**kwargs)


def test_base_url_path_is_a_prefix() -> None:
    transport_requests: List[Request] = []

    def handler(r: Request) -> Response:
        transport_requests.append(r)
        return json_response(200, [])

    client = AgentOSClient("http://host:8000/os/", transport=HandlerTransport(handler))
    client.list_agents()
    assert transport_requests[0].url == "http://host:8000/os/agents"


def test_api_key_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-very-secret-123"
    client, transport = handler_client(
        lambda r: json_response(401, {"detail": "Invalid authentication token"}), api_key=secret
    )
    caplog.set_level(logging.DEBUG, logger="agentos_sync")
    with pytest.raises(errors.AuthenticationError) as info:
        client.get_config()
    exc = info.value
    assert transport.requests[0].headers["Authorization"] == f"Bearer {secret}"
    for text in (repr(client), str(client), str(exc), repr(exc), repr(exc.request), str(exc.request), caplog.text):
        assert secret not in text
    assert "api_key" in str(exc)  # the message says what to do


def test_redirect_on_post_is_reported_not_followed() -> None:
    client, _ = handler_client(lambda r: BytesResponse(307, {"location": "http://elsewhere/agents/a/runs"}))
    with pytest.raises(errors.APIStatusError, match="redirected"):
        client.run_agent("assistant", "hi")


def test_closed_client_raises_clear_error() -> None:
    client, _ = handler_client(lambda r: json_response(200, []))
    client.close()
    client.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        client.list_agents()


def test_stream_with_wrong_content_type_is_protocol_error() -> None:
    client, _ = handler_client(lambda r: json_response(200, {"run_id": "r"}))
    with pytest.raises(errors.ProtocolError, match="event stream"):
        client.run_agent_stream("assistant", "hi")


def test_stream_with_missing_content_type_is_read_as_sse() -> None:
    body = (
        b'event: RunStarted\ndata: {"event":"RunStarted","run_id":"r"}\n\n'
        b'event: RunCompleted\ndata: {"event":"RunCompleted","run_id":"r","content":"x"}\n\n'
    )
    client, _ = handler_client(lambda r: BytesResponse(200, {}, body))
    assert [e.event for e in client.run_agent_stream("assistant", "hi")] == ["RunStarted", "RunCompleted"]


def test_status_error_on_stream_raises_at_call_time() -> None:
    client, _ = handler_client(lambda r: json_response(404, {"detail": "Agent not found"}))
    with pytest.raises(errors.NotFoundError, match="Agent not found"):
        client.run_agent_stream("missing", "hi")


def test_request_query_params() -> None:
    client, transport = handler_client(lambda r: json_response(200, [{"run_id": "r", "status": "RUNNING"}]))
    runs = client.list_agent_runs("assistant", "s1", status="RUNNING")
    assert runs[0].status == "RUNNING"
    assert transport.requests[0].params == {"session_id": "s1", "status": "RUNNING"}
    assert parse_qs("session_id=s1") == {"session_id": ["s1"]}


def test_truncated_error_body_still_reports_status() -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"detail": "bo'
        raise errors.APIConnectionError("reset")

    client, _ = handler_client(lambda r: IteratorResponse(500, JSON, chunks()), max_retries=0)
    with pytest.raises(errors.InternalServerError):
        client.list_agents()


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("continue_agent_run", "/agents/a1/runs/r1/continue", "tools"),
        ("continue_team_run", "/teams/a1/runs/r1/continue", "requirements"),
        ("continue_workflow_run", "/workflows/a1/runs/r1/continue", "step_requirements"),
    ],
)
def test_continue_of_every_kind_posts_the_answers_under_its_routes_field(method: str, path: str, answer: str) -> None:
    # agno 3.1.10: agents read `tools`, teams `requirements`, workflows `step_requirements`.
    client, transport = handler_client(lambda r: json_response(200, {"run_id": "r1", "status": "COMPLETED"}))
    tool = {"tool_call_id": "c1", "tool_name": "delete_file", "requires_confirmation": True, "confirmed": True}
    call = getattr(client, method)
    out = (
        call("a1", "r1", [tool], session_id="s1")
        if answer == "tools"
        else call("a1", "r1", session_id="s1", **{answer: [tool]})
    )
    assert out.status == "COMPLETED"
    request = transport.requests[0]
    assert request.url == "http://test.local" + path
    assert request.form is not None and json.loads(request.form[answer]) == [tool]
    assert request.form["session_id"] == "s1" and request.form["stream"] == "false"


@pytest.mark.parametrize(("kind", "answer"), [("team", "requirements"), ("workflow", "step_requirements")])
def test_tools_on_a_team_or_workflow_continue_names_the_field_its_route_reads(kind: str, answer: str) -> None:
    client, transport = handler_client(lambda r: json_response(200, {}))
    with pytest.raises(TypeError, match=f"{answer}="):
        client.for_kind(kind).continue_run("a1", "r1", [{"tool_call_id": "c1"}], session_id="s1")
    assert transport.requests == []


@pytest.mark.parametrize("kind", ["agent", "team", "workflow"])
def test_continue_stream_of_every_kind(kind: str) -> None:
    body = (
        f'event: RunContinued\ndata: {{"event":"RunContinued","run_id":"r1","event_index":5}}\n\n'
        f"event: {'Run' if kind == 'agent' else kind.title() + 'Run' if kind == 'team' else 'Workflow'}Completed\n"
        f'data: {{"event":"{"Run" if kind == "agent" else "TeamRun" if kind == "team" else "Workflow"}Completed",'
        f'"run_id":"r1","event_index":6}}\n\n'
    ).encode()
    client, transport = handler_client(lambda r: BytesResponse(200, {"content-type": "text/event-stream"}, body))
    answers = {"agent": {"tools": []}, "team": {"requirements": []}, "workflow": {"step_requirements": []}}[kind]
    stream = getattr(client, f"continue_{kind}_run_stream")("a1", "r1", session_id="s1", last_event_index=4, **answers)
    evs = list(stream)
    assert [e.event_index for e in evs] == [5, 6] and stream.terminal_event is evs[-1]
    assert transport.requests[0].url.endswith(f"/{kind}s/a1/runs/r1/continue")


def test_resume_agent_run_stream_is_resume_run_stream() -> None:
    client = AgentOSClient("http://test.local", transport=FakeTransport(FakeAgentOS()))
    assert client.resume_agent_run_stream == client.resume_run_stream == client.agents.resume


def test_a_plain_calls_traceback_has_no_retry_library_frames() -> None:
    import traceback

    from agentos_sync.testing import FakeAgentOS, FakeTransport

    client = AgentOSClient("http://fake", transport=FakeTransport(FakeAgentOS()), max_retries=2)
    with pytest.raises(errors.NotFoundError) as info:
        client.get_agent("nope")
    files = [frame.filename for frame in traceback.extract_tb(info.value.__traceback__)]
    assert files and not [f for f in files if "tenacity" in f or "concurrent" in f], files
