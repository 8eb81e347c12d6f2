"""agentos_sync.contrib.django and the example project (examples/django_app) over the in-memory fake:
the SSE relay (frames, keep-alives, filters, the end frame, the upstream closed when the browser
leaves) and the settings-built shared client."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Union

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "django_app"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    # The example's settings, without its embedded fake server: every test plugs the in-memory fake in.
    _saved = {k: os.environ.get(k) for k in ("AGENTOS_URL", "DJANGO_SETTINGS_MODULE")}
    os.environ["AGENTOS_URL"] = "http://agentos.invalid"
    os.environ["DJANGO_SETTINGS_MODULE"] = "askdemo.settings"
    django.setup()
    for _key, _value in _saved.items():
        if _value is None:
            os.environ.pop(_key, None)
        else:
            os.environ[_key] = _value

from _support import handler_client  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.http import StreamingHttpResponse  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402

from agentos_sync import AgentOSClient, errors, events  # noqa: E402
from agentos_sync.contrib._relay import describe_error, encode_frame, parse_last_event_id  # noqa: E402
from agentos_sync.contrib.django import get_client, last_event_id, reset_client, stream_response  # noqa: E402
from agentos_sync.sse import iter_frames  # noqa: E402
from agentos_sync.streams import RunStream  # noqa: E402
from agentos_sync.testing import FakeAgentOS, FakeTransport  # noqa: E402
from agentos_sync.transports.base import IteratorResponse, Request, Response  # noqa: E402

WAIT = 10.0
Frame = Tuple[str, Any, Union[str, None]]  # (event, parsed data, id)


def parse(body: bytes) -> List[Frame]:
    return [(f.event, json.loads(f.data), f.id) for f in iter_frames([body])]


def agentos(fake: FakeAgentOS, **extra: Any) -> Dict[str, Any]:
    return {"BASE_URL": "http://fake.local", "TRANSPORT": fake.transport(), **extra}


@pytest.fixture(autouse=True)
def fresh_client() -> Iterator[None]:
    reset_client()
    yield
    reset_client()


@pytest.fixture
def spy_streams(monkeypatch: pytest.MonkeyPatch) -> List[RunStream]:
    """Every stream the views open, to look at after the response is gone."""
    opened: List[RunStream] = []
    original = AgentOSClient.run_agent_stream

    def spy(self: AgentOSClient, *args: Any, **kwargs: Any) -> RunStream:
        stream = original(self, *args, **kwargs)
        opened.append(stream)
        return stream

    monkeypatch.setattr(AgentOSClient, "run_agent_stream", spy)
    return opened


def relay_threads() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("agentos_sync-relay")]


# -- the example project's views ---------------------------------------------------------------------


def test_the_page_has_the_form_and_the_event_source(fake: FakeAgentOS) -> None:
    with override_settings(AGENTOS=agentos(fake)):
        response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form id="ask">' in html and "new EventSource(" in html and '"/stream"' in html


def test_the_stream_view_relays_the_run_as_sse(fake: FakeAgentOS) -> None:
    with override_settings(AGENTOS=agentos(fake)):
        response = Client().get("/stream", {"q": "hello there"})
        assert response.status_code == 200
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"].startswith("text/event-stream")
        assert response["Cache-Control"] == "no-cache, no-transform"
        assert response["X-Accel-Buffering"] == "no"
        body = b"".join(response.streaming_content)
    frames = parse(body)
    names = [name for name, _, _ in frames]
    assert names[0] == "RunStarted" and names[-2:] == ["RunCompleted", "end"]
    assert set(names[1:-2]) == {"RunContent"}  # the view forwards only what the page shows
    run_id = frames[0][1]["run_id"]
    for name, data, frame_id in frames[:-1]:
        assert data["event"] == name and data["run_id"] == run_id
        assert frame_id == str(data["event_index"])  # EventSource's Last-Event-ID is the event_index
        assert None not in data.values()
    text = "".join(data["content"] for name, data, _ in frames if name == "RunContent")
    assert text == "You said: hello there"
    end = frames[-1][1]
    assert end == {
        "run_id": run_id,
        "session_id": frames[0][1]["session_id"],
        "last_event_index": frames[-2][1]["event_index"],
        "terminal": "RunCompleted",
    }
    assert body.startswith(b": stream open\n\n")


def test_closing_the_response_early_closes_the_upstream_stream(fake: FakeAgentOS, spy_streams: List[RunStream]) -> None:
    fake.add_agent("assistant", reply=" ".join(f"w{i}" for i in range(2000)))
    with override_settings(AGENTOS=agentos(fake)):
        response = Client().get("/stream", {"q": "a long answer"})
        chunks = iter(response.streaming_content)
        first = [next(chunks) for _ in range(4)]  # the browser reads a little, then leaves
        response.close()
    assert first[0] == b": stream open\n\n"
    (stream,) = spy_streams
    assert stream.closed and stream.terminal_event is None  # closed early, not exhausted
    run = fake.runs[stream.run_id]  # type: ignore[index]
    assert run.status == "RUNNING"  # a background run goes on; it can be resumed
    for thread in relay_threads():
        thread.join(WAIT)
    assert relay_threads() == []


def test_the_view_resumes_after_last_event_id_without_repeating(fake: FakeAgentOS) -> None:
    with override_settings(AGENTOS=agentos(fake)):
        client = get_client()
        with client.run_agent_stream("assistant", "one two three four five six", background=True) as stream:
            seen = [next(stream) for _ in range(4)]  # RunStarted, 2 x ... then the connection drops
        last = seen[-1].event_index
        response = Client().get(
            "/stream", {"run_id": stream.run_id, "session_id": stream.session_id}, HTTP_LAST_EVENT_ID=str(last)
        )
        frames = parse(b"".join(response.streaming_content))
    indexes = [data["event_index"] for name, data, _ in frames if name != "end"]
    assert indexes and min(indexes) == last + 1  # type: ignore[operator]
    assert frames[-2][0] == "RunCompleted"
    words = [e.content for e in seen if isinstance(e, events.RunContentEvent)]
    words += [data["content"] for name, data, _ in frames if name == "RunContent"]
    assert "".join(words) == "You said: one two three four five six"
    assert fake.run_count("assistant") == 1


def test_the_stream_view_tells_the_page_the_servers_reason_and_whether_to_retry(fake: FakeAgentOS) -> None:
    with override_settings(AGENTOS=agentos(fake)):
        assert Client().get("/stream").status_code == 400
        with override_settings(AGENTOS_AGENT="nobody"):
            unknown = Client().get("/stream", {"q": "hi"})
            frames = parse(b"".join(unknown.streaming_content))
    # 200 with one end frame: the page's EventSource cannot read an error status's body.
    assert unknown.status_code == 200 and unknown["Content-Type"].startswith("text/event-stream")
    assert [name for name, _, _ in frames] == ["end"]
    assert frames[0][1] == {
        "run_id": None,
        "session_id": None,
        "last_event_index": None,
        "terminal": None,
        "error": "NotFoundError",
        "status": 404,
        "reason": "AgentOS answered 404: Agent not found.",
        "retry": False,
        "hint": "Check the agent id this page asks, and the run id when resuming.",
    }
    fake.faults.status(503, path="/runs", times=10)
    with override_settings(AGENTOS=agentos(fake, MAX_RETRIES=0)):
        busy = parse(b"".join(Client().get("/stream", {"q": "hi"}).streaming_content))
    assert busy[-1][1]["error"] == "InternalServerError" and busy[-1][1]["retry"] is True
    assert busy[-1][1]["reason"].startswith("AgentOS answered 503: ")
    assert busy[-1][1]["hint"] == "AgentOS failed; try again in a moment."


# -- the relay, through stream_response -------------------------------------------------------------


class _Silent:
    """A body that sends ``head`` then stays silent until released (or closed)."""

    def __init__(self, head: List[bytes], tail: List[Union[bytes, Exception]]) -> None:
        self.release = threading.Event()
        self.closed = threading.Event()
        self._head = list(head)
        self._tail = list(tail)

    def __iter__(self) -> _Silent:
        return self

    def __next__(self) -> bytes:
        if self._head:
            return self._head.pop(0)
        self.release.wait(WAIT)
        if self.closed.is_set() or not self._tail:
            raise StopIteration
        part = self._tail.pop(0)
        if isinstance(part, Exception):
            raise part
        return part

    def close(self) -> None:
        self.closed.set()
        self.release.set()


def _ev(name: str, index: int, **fields: Any) -> bytes:
    data = {"event": name, "created_at": 1, "run_id": "r1", "session_id": "s1", "agent_id": "a", "event_index": index}
    data.update(fields)
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def silent_stream(
    head: List[bytes], tail: List[Union[bytes, Exception]], background: bool = True
) -> Tuple[RunStream, _Silent]:
    body = _Silent(head, tail)

    def handler(request: Request) -> Response:
        return IteratorResponse(200, {"content-type": "text/event-stream"}, body)

    client, _ = handler_client(handler)
    return client.run_agent_stream("a", "hi", background=background), body


def test_keep_alive_comments_flow_while_the_run_is_silent() -> None:
    stream, body = silent_stream([_ev("RunStarted", 0)], [_ev("RunCompleted", 1, content="ok")])
    response = stream_response(stream, keepalive=0.02)
    chunks = iter(response.streaming_content)
    assert next(chunks) == b": stream open\n\n"
    assert next(chunks).startswith(b"id: 0\nevent: RunStarted\n")
    assert next(chunks) == b": keep-alive\n\n"
    assert next(chunks) == b": keep-alive\n\n"
    body.release.set()
    rest = b"".join(chunks).replace(b": keep-alive\n\n", b"")
    assert [name for name, _, _ in parse(rest)] == ["RunCompleted", "end"]
    response.close()


def test_events_filter_transform_retry_and_meta() -> None:
    stream, body = silent_stream(
        [_ev("RunStarted", 0), _ev("RunContent", 1, content="Hi"), _ev("ToolCallStarted", 2)],
        [_ev("RunContent", 3, content=" there"), _ev("RunCompleted", 4, content="Hi there")],
    )
    body.release.set()

    def slim(ev: events.RunEvent) -> Any:
        if isinstance(ev, events.RunContentEvent) and ev.content == " there":
            return "line one\nline two"  # a str goes out as is, one data: line per line
        return {"text": getattr(ev, "content", None)}

    response = stream_response(stream, events=[events.RunContentEvent, "RunCompleted"], transform=slim, retry=1500)
    body_bytes = b"".join(response.streaming_content)
    assert body_bytes.startswith(b"retry: 1500\n\n")
    assert b"id: 3\nevent: RunContent\ndata: line one\ndata: line two\n\n" in body_bytes
    frames = [(f.event, f.data, f.id) for f in iter_frames([body_bytes])]
    assert [(e, i) for e, _, i in frames] == [
        ("RunContent", "1"),
        ("RunContent", "3"),
        ("RunCompleted", "4"),
        ("end", None),
    ]
    assert json.loads(frames[0][1]) == {"text": "Hi"}


def test_a_failed_stream_ends_with_an_error_frame_that_hides_internals() -> None:
    stream, body = silent_stream(
        [_ev("RunStarted", 0)], [errors.APIConnectionError("reset by 10.1.2.3")], background=False
    )
    body.release.set()
    frames = parse(b"".join(stream_response(stream).streaming_content))
    assert frames[-1][0] == "end"
    assert frames[-1][1]["error"] == "StreamInterruptedError"
    assert "message" not in frames[-1][1]

    stream, body = silent_stream([_ev("RunStarted", 0)], [errors.APIConnectionError("reset")], background=False)
    body.release.set()
    frames = parse(b"".join(stream_response(stream, expose_errors=True).streaming_content))
    assert "reset" in frames[-1][1]["message"]


@pytest.mark.parametrize(
    ("error", "reason", "retry"),
    [
        (errors.APIConnectionError("refused by 10.1.2.3:7777"), "AgentOS could not be reached.", True),
        (errors.APITimeoutError("read timeout from agentos.internal"), "AgentOS did not answer in time.", True),
        (errors.RunLostError("lost"), "AgentOS lost this run (it restarted while the run was going).", True),
        (errors.ProtocolError("bad frame"), "AgentOS sent an answer this page cannot read.", False),
        (
            errors.AuthenticationError("x", status_code=401, detail="Invalid token"),
            "AgentOS answered 401: Invalid token.",
            False,
        ),
        (RuntimeError("boom at /srv/app.py"), "The answer stopped because of an error on this site.", False),
    ],
)
def test_what_a_page_is_told_about_each_failure_names_no_internals(error: Exception, reason: str, retry: bool) -> None:
    info = describe_error(error)
    assert info["error"] == type(error).__name__ and info["reason"] == reason and info["retry"] is retry
    assert info["hint"] and "message" not in info
    assert describe_error(error, expose=True)["message"] == str(error)


def test_a_response_closed_before_its_first_byte_closes_the_upstream() -> None:
    stream, body = silent_stream([_ev("RunStarted", 0)], [])
    response = stream_response(stream)
    response.close()
    assert stream.closed
    assert body.closed.is_set()


def test_bad_relay_arguments_are_refused_at_once(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "hi")

    async def transform(ev: events.RunEvent) -> Any:  # pragma: no cover - never awaited
        return ev

    with pytest.raises(TypeError, match="synchronous"):
        stream_response(stream, transform=transform)
    with pytest.raises(ValueError, match="keepalive"):
        stream_response(stream, keepalive=0)
    with pytest.raises(TypeError, match="events"):
        stream_response(stream, events=[42])  # type: ignore[list-item]
    stream.close()
    with pytest.raises(errors.StreamError, match="closed"):
        stream_response(stream)


def test_encode_frame_and_last_event_id() -> None:
    assert (
        encode_frame("RunContent", {"content": "Hi\n"}, 3) == b'id: 3\nevent: RunContent\ndata: {"content":"Hi\\n"}\n\n'
    )
    assert encode_frame("evil\nid: 9", {}) == b"event: evil id: 9\ndata: {}\n\n"
    assert encode_frame("end", "a\r\nb") == b"event: end\ndata: a\ndata: b\n\n"
    values = ("7", " 12 ", "", "-1", "x", None, "9" * 30)
    assert [parse_last_event_id(v) for v in values] == [7, 12, None, None, None, None, None]
    factory = RequestFactory()
    assert last_event_id(factory.get("/stream", HTTP_LAST_EVENT_ID="41")) == 41
    assert last_event_id(factory.get("/stream", {"last_event_id": "5"})) == 5
    assert last_event_id(factory.get("/stream", HTTP_LAST_EVENT_ID="nope")) is None


# -- the settings-built client ---------------------------------------------------------------------


def test_get_client_is_built_once_and_shared_between_threads(fake: FakeAgentOS) -> None:
    with override_settings(AGENTOS=agentos(fake, TIMEOUT=[3, 60], MAX_RETRIES=1, POOL_MAXSIZE=4)):
        barrier = threading.Barrier(8, timeout=WAIT)
        got: List[AgentOSClient] = []

        def build() -> None:
            barrier.wait()
            got.append(get_client())

        threads = [threading.Thread(target=build) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
        assert len(got) == 8 and all(c is got[0] for c in got)
        client = got[0]
        assert client.timeout == (3.0, 60.0)
        assert client.run_agent("assistant", "What is 2 + 2?").content == "2 + 2 = 4."
    assert client.closed  # leaving override_settings rebuilt it: the old one is closed


def test_api_key_comes_from_settings(fake: FakeAgentOS) -> None:
    secured = FakeAgentOS(security_key="sk-django-7f3e")
    with override_settings(AGENTOS=agentos(secured, API_KEY="sk-django-7f3e")):
        assert get_client().run_agent("assistant", "hi").content == "You said: hi"
    with override_settings(AGENTOS=agentos(secured)), pytest.raises(errors.AuthenticationError):
        get_client().run_agent("assistant", "hi")


def make_transport() -> FakeTransport:
    return FakeAgentOS().transport()


def test_transport_can_be_a_dotted_path_to_a_factory() -> None:
    with override_settings(AGENTOS={"BASE_URL": "http://fake.local", "TRANSPORT": f"{__name__}.make_transport"}):
        assert isinstance(get_client().transport, FakeTransport)
    not_a_factory = {"BASE_URL": "http://fake.local", "TRANSPORT": "agentos_sync.testing.FakeAgentOS"}
    with override_settings(AGENTOS=not_a_factory), pytest.raises(ImproperlyConfigured, match="TRANSPORT"):
        get_client()


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"API_KEY": "sk-leak-me"}, "BASE_URL.*required"),
        ({"BASE_URL": "http://x", "BASEURL": "http://x"}, "Unknown AgentOS setting.*BASEURL"),
        ({"BASE_URL": "ftp://x", "API_KEY": "sk-leak-me"}, "base_url"),
        ({"BASE_URL": "http://x", "API_KEY": "sk-leak-me", "MAX_RETRIES": -1}, "max_retries"),
        ({"BASE_URL": "http://x", "TIMEOUT": [1, 2, 3]}, "timeout"),
        ({"BASE_URL": "http://x", "RECONNECT": {"max_attempts": "many"}}, "RECONNECT"),
        ("http://x", "must be a dict"),
    ],
)
def test_bad_settings_raise_improperly_configured(value: Any, match: str) -> None:
    with override_settings(AGENTOS=value), pytest.raises(ImproperlyConfigured, match=match) as info:
        get_client()
    assert "sk-leak-me" not in str(info.value)


def test_missing_settings_raise_improperly_configured() -> None:
    with override_settings():
        del settings.AGENTOS
        reset_client()
        with pytest.raises(ImproperlyConfigured, match=r"settings\.AGENTOS"):
            get_client()


def test_reset_client_closes_it(fake: FakeAgentOS) -> None:
    with override_settings(AGENTOS=agentos(fake)):
        first = get_client()
        reset_client()
        assert first.closed
        assert get_client() is not first
