"""agentos_sync.contrib.flask and examples/flask_app.py over the in-memory fake."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import flask
import pytest

from agentos_sync import AgentOSClient, events
from agentos_sync.contrib.flask import EXTENSION, get_client, init_app, last_event_id, reset_client, stream_response
from agentos_sync.sse import iter_frames
from agentos_sync.streams import RunStream
from agentos_sync.testing import FakeAgentOS, FakeTransport

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import flask_app  # noqa: E402

WAIT = 10.0


def parse(body: bytes) -> List[Tuple[str, Any, Optional[str]]]:
    return [(f.event, json.loads(f.data), f.id) for f in iter_frames([body])]


@pytest.fixture
def app(fake: FakeAgentOS) -> Iterator[flask.Flask]:
    application = flask_app.create_app({"AGENTOS_BASE_URL": "http://fake.local", "AGENTOS_TRANSPORT": fake.transport()})
    yield application
    reset_client(application)


@pytest.fixture
def spy_streams(monkeypatch: pytest.MonkeyPatch) -> List[RunStream]:
    opened: List[RunStream] = []
    original = AgentOSClient.run_agent_stream

    def spy(self: AgentOSClient, *args: Any, **kwargs: Any) -> RunStream:
        stream = original(self, *args, **kwargs)
        opened.append(stream)
        return stream

    monkeypatch.setattr(AgentOSClient, "run_agent_stream", spy)
    return opened


# -- the example app ----------------------------------------------------------------------------


def test_the_page_has_the_form_and_the_event_source(app: flask.Flask) -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert b'<form id="ask">' in response.data and b"new EventSource(" in response.data


def test_the_stream_route_relays_the_run_as_sse(app: flask.Flask) -> None:
    response = app.test_client().get("/stream", query_string={"q": "hello flask"})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache, no-transform"
    assert response.headers["X-Accel-Buffering"] == "no"
    frames = parse(response.data)
    assert frames[0][0] == "RunStarted" and [f[0] for f in frames[-2:]] == ["RunCompleted", "end"]
    text = "".join(data["content"] for name, data, _ in frames if name == "RunContent")
    assert text == "You said: hello flask"
    run_id = frames[0][1]["run_id"]
    assert all(data["run_id"] == run_id and frame_id == str(data["event_index"]) for _, data, frame_id in frames[:-1])
    assert frames[-1][1]["run_id"] == run_id and frames[-1][1]["terminal"] == "RunCompleted"


def test_closing_the_response_early_closes_the_upstream_stream(
    app: flask.Flask, fake: FakeAgentOS, spy_streams: List[RunStream]
) -> None:
    fake.add_agent("assistant", reply=" ".join(f"w{i}" for i in range(2000)))
    response = app.test_client().get("/stream", query_string={"q": "long"}, buffered=False)
    chunks = iter(response.response)
    head = [next(chunks) for _ in range(3)]
    response.close()  # what the WSGI server does when the browser goes away
    assert head[0] == b": stream open\n\n"
    (stream,) = spy_streams
    assert stream.closed and stream.terminal_event is None
    for thread in [t for t in threading.enumerate() if t.name.startswith("agentos_sync-relay")]:
        thread.join(WAIT)
        assert not thread.is_alive()


def test_the_route_tells_the_page_the_servers_reason_and_whether_to_retry(fake: FakeAgentOS) -> None:
    app = flask_app.create_app(
        {"AGENTOS_BASE_URL": "http://fake.local", "AGENTOS_TRANSPORT": fake.transport(), "AGENTOS_MAX_RETRIES": 0}
    )
    client = app.test_client()
    assert client.get("/stream").status_code == 400
    # AgentOS answers an unknown run's /resume with 200 and an error frame: the relay's end says so.
    unknown = client.get("/stream", query_string={"run_id": "no-such-run", "session_id": "s"})
    assert unknown.status_code == 200 and parse(unknown.data)[-1][1]["error"] == "RunNotFoundError"
    assert parse(unknown.data)[-1][1]["reason"] == "AgentOS does not know this run any more."
    fake.faults.status(503, path="/runs", times=10)
    response = client.get("/stream", query_string={"q": "hi"})
    # 200 with one end frame: the page's EventSource cannot read an error status's body.
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    (end,) = parse(response.data)
    assert end[0] == "end" and end[1]["error"] == "InternalServerError" and end[1]["status"] == 503
    assert end[1]["retry"] is True and end[1]["hint"] == "AgentOS failed; try again in a moment."
    reset_client(app)


# -- stream_response ---------------------------------------------------------------------------


def test_transform_may_use_the_request_context_while_streaming(fake: FakeAgentOS) -> None:
    app = flask.Flask(__name__)
    app.config.update(AGENTOS_BASE_URL="http://fake.local", AGENTOS_TRANSPORT=fake.transport())
    init_app(app)

    @app.get("/tagged")
    def tagged() -> flask.Response:
        stream = get_client().run_agent_stream("assistant", "hi", background=True)

        def tag(ev: events.RunEvent) -> Dict[str, Any]:
            return {"tag": flask.request.args["tag"], "event_index": ev.event_index}

        return stream_response(stream, events=["RunContent"], transform=tag)

    frames = parse(app.test_client().get("/tagged", query_string={"tag": "t1"}).data)
    assert [name for name, _, _ in frames] == ["RunContent"] * 3 + ["end"]  # "You ", "said: ", "hi"
    assert {data["tag"] for name, data, _ in frames if name == "RunContent"} == {"t1"}


def test_a_response_closed_before_its_first_byte_closes_the_upstream(fake: FakeAgentOS) -> None:
    app = flask.Flask(__name__)
    client = AgentOSClient("http://fake.local", transport=fake.transport())
    with app.test_request_context("/"):
        stream = client.run_agent_stream("assistant", "hi", background=True)
        response = stream_response(stream)
    response.close()
    assert stream.closed


def test_async_transform_is_refused(client: AgentOSClient) -> None:
    async def transform(ev: events.RunEvent) -> Any:  # pragma: no cover - never awaited
        return ev

    stream = client.run_agent_stream("assistant", "hi")
    with pytest.raises(TypeError, match="synchronous"):
        stream_response(stream, transform=transform)
    stream.close()


def test_last_event_id_reads_the_header_or_the_query() -> None:
    app = flask.Flask(__name__)
    with app.test_request_context("/", headers={"Last-Event-ID": "12"}):
        assert last_event_id() == 12
    with app.test_request_context("/?last_event_id=3"):
        assert last_event_id() == 3
    with app.test_request_context("/", headers={"Last-Event-ID": "x"}):
        assert last_event_id() is None


# -- the config-built client ---------------------------------------------------------------------


def test_init_app_builds_the_client_from_config(fake: FakeAgentOS) -> None:
    app = flask.Flask(__name__)
    app.config.update(
        AGENTOS_BASE_URL="http://fake.local",
        AGENTOS_TRANSPORT=fake.transport(),
        AGENTOS_TIMEOUT=[2, 30],
        AGENTOS_MAX_RETRIES=0,
    )
    client = init_app(app)
    assert app.extensions[EXTENSION] is client
    assert client.timeout == (2.0, 30.0)
    with app.app_context():
        assert get_client() is client
    assert get_client(app) is client
    assert isinstance(client.transport, FakeTransport)
    replaced = init_app(app)
    assert client.closed and get_client(app) is replaced
    reset_client(app)
    assert replaced.closed and EXTENSION not in app.extensions


def test_get_client_builds_lazily_once_across_threads(fake: FakeAgentOS) -> None:
    app = flask.Flask(__name__)
    app.config.update(AGENTOS_BASE_URL="http://fake.local", AGENTOS_TRANSPORT=fake.transport())
    barrier = threading.Barrier(8, timeout=WAIT)
    got: List[AgentOSClient] = []

    def build() -> None:
        barrier.wait()
        got.append(get_client(app))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert len(got) == 8 and all(c is got[0] for c in got)
    reset_client(app)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"AGENTOS_API_KEY": "sk-leak-me"}, r"app\.config\['AGENTOS_BASE_URL'\] is required"),
        ({"AGENTOS_BASE_URL": "http://x", "AGENTOS_BASEURL": "x"}, "AGENTOS_BASEURL"),
        ({"AGENTOS_BASE_URL": "http://x", "AGENTOS_API_KEY": "sk-leak-me", "AGENTOS_POOL_MAXSIZE": 0}, "pool_maxsize"),
    ],
)
def test_bad_config_raises_runtime_error_naming_the_setting(config: Dict[str, Any], match: str) -> None:
    app = flask.Flask(__name__)
    app.config.update(config)
    with pytest.raises(RuntimeError, match=match) as info:
        init_app(app)
    assert "sk-leak-me" not in str(info.value)
