"""Behind a gateway: its answers are not AgentOS's, a create whose answer it lost is found by its
run id, and every message names the party at fault without markup or urllib3 internals."""

from __future__ import annotations

import re
from typing import List

import pytest
from _support import Clock

from agentos_sync import AgentOSClient, ReconnectPolicy, Timeout, errors, events
from agentos_sync._http import page_text, read_error
from agentos_sync.testing import FakeAgentOS, FakeTransport

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
)
BRANDED = b"""<!DOCTYPE html><html><head><title>Oops | Example Cloud</title>
<style>body{font-family:Inter,sans-serif;background:#fafafa} .card{margin:4em auto;max-width:40em}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>
</head><body><div class="card"><svg viewBox="0 0 10 10"><path d="M0 0h10v10z"/></svg>
<h1>Service temporarily unavailable</h1><p>The upstream did not answer. Ray ID: 7f1c2d.</p>
<script>gtag('event','error',{code:503})</script><noscript>Enable JavaScript</noscript></div></body></html>"""
PYTHON_HTTP_SERVER_501 = b"""<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: 501</p>
        <p>Message: Unsupported method ('POST').</p>
        <p>Error code explanation: 501 - Server does not support this operation.</p>
    </body>
</html>
"""
#: What no message may show: markup, CSS or script, urllib3's wrappers, advice to send it again.
FORBIDDEN = re.compile(r"<[a-z/!]|\{[a-z-]+:|function\(|urllib3|Pool\(|Max retries|object at 0x|retry later", re.I)


def test_page_text_keeps_the_sentence_and_drops_styles_scripts_and_markup() -> None:
    assert page_text(NGINX_502.decode()) == "502 Bad Gateway nginx/1.22.1"
    text = page_text(BRANDED.decode())
    assert text == "Service temporarily unavailable The upstream did not answer. Ray ID: 7f1c2d."
    assert page_text("<html><head><title>Only a title</title></head><body></body></html>") == "Only a title"
    assert page_text("<p>unclosed <b>tags & &amp; entities") == "unclosed tags & & entities"


def test_read_error_tells_agentos_json_from_anything_else() -> None:
    assert read_error(b'{"detail": "Agent not found"}', "application/json") == ("Agent not found", True)
    assert read_error(b'{"message": "Internal server error"}', "application/json") == (
        {"message": "Internal server error"},
        False,
    )
    assert read_error(NGINX_502, "text/html") == ("502 Bad Gateway nginx/1.22.1", False)
    assert read_error(b"upstream connect error", "text/plain") == ("upstream connect error", False)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_page_is_a_gateway_error(status: int) -> None:
    fake = FakeAgentOS()
    fake.faults.raw(
        body=BRANDED, status=status, content_type="text/html", headers={"server": "cloudlb"}, path="/agents"
    )
    with (
        AgentOSClient("http://fake.local", transport=FakeTransport(fake), max_retries=0) as client,
        pytest.raises(errors.GatewayError) as info,
    ):
        client.agents.list()
    exc = info.value
    assert isinstance(exc, errors.InternalServerError) and exc.status_code == status and exc.from_agentos is False
    assert exc.detail.startswith("Service temporarily unavailable")
    text = str(exc)
    assert "a gateway (Server: cloudlb) in front of AgentOS answered" in text and not FORBIDDEN.search(text)


def test_agentos_own_5xx_says_check_its_logs_never_retry_later(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.status(500, detail="Internal server error (ModuleNotFoundError)", path="/agents")
    with pytest.raises(errors.InternalServerError) as info:
        client.agents.list()
    assert not isinstance(info.value, errors.GatewayError) and info.value.from_agentos is True
    assert "(ModuleNotFoundError)" in str(info.value) and "check the AgentOS server's logs" in str(info.value)
    assert not FORBIDDEN.search(str(info.value))


def test_another_server_on_the_port_does_not_look_like_agentos(fake: FakeAgentOS) -> None:
    fake.faults.raw(
        body=PYTHON_HTTP_SERVER_501,
        status=501,
        content_type="text/html;charset=utf-8",
        headers={"server": "SimpleHTTP/0.6 Python/3.11.7"},
        path="/agents",
    )
    with (
        AgentOSClient("http://fake.local", transport=FakeTransport(fake)) as client,
        pytest.raises(errors.InternalServerError) as info,
    ):
        client.agents.run("assistant", "hi")
    text = str(info.value)
    assert "does not look like AgentOS (Server: SimpleHTTP/0.6 Python/3.11.7)" in text
    assert text.count("Error response") <= 1 and "Unsupported method ('POST')" in text
    assert "base_url" in text and not FORBIDDEN.search(text) and info.value.from_agentos is False


@pytest.mark.parametrize(
    ("status", "page", "advice"),
    [
        (407, b"<h1>Proxy Authentication Required</h1>", "HTTPS_PROXY=http://user:pass@host:port"),
        (400, b"<center>The plain HTTP request was sent to HTTPS port</center>", "use https://"),
    ],
)
def test_a_proxy_or_tls_port_answer_says_what_to_fix(fake: FakeAgentOS, status: int, page: bytes, advice: str) -> None:
    fake.faults.raw(body=page, status=status, content_type="text/html", path="/agents")
    with (
        AgentOSClient("http://fake.local", transport=FakeTransport(fake)) as client,
        pytest.raises(errors.APIStatusError) as info,
    ):
        client.agents.list()
    assert advice in str(info.value) and not FORBIDDEN.search(str(info.value))


# -- every create names its run ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["agents", "teams", "workflows"])
def test_every_create_sends_a_run_id_and_a_session_id(kind: str) -> None:
    fake = FakeAgentOS()
    fake.add_agent("writer")
    fake.add_team("duo", members=["assistant", "writer"])
    fake.add_workflow("pipeline", steps=[("draft", "writer")])
    entity = {"agents": "assistant", "teams": "duo", "workflows": "pipeline"}[kind]
    with AgentOSClient("http://fake.local", transport=FakeTransport(fake)) as client:
        runs = getattr(client, kind)
        out = runs.run(entity, "hi")
        accepted = runs.run(entity, "hi", background=True)
        with runs.stream(entity, "hi") as stream:
            streamed = list(stream)
        with runs.stream(entity, "hi", background=True) as stream:
            list(stream)
    creates = [r for r in fake.requests if r.method == "POST" and r.url.endswith("/runs")]
    assert len(creates) == 4
    sent = [(r.form or {}).get("run_id") for r in creates]
    assert all(sent) and len(set(sent)) == 4 and all((r.form or {}).get("session_id") for r in creates)
    # The server took each as the run's id.
    assert out.run_id == sent[0] and accepted.run_id == sent[1] and streamed[0].run_id == sent[2]


def test_a_callers_own_run_id_is_kept(client: AgentOSClient, fake: FakeAgentOS) -> None:
    out = client.agents.run("assistant", "hi", extra_body={"run_id": "my-run"}, session_id="s1")
    assert out.run_id == "my-run" and (fake.requests[-1].form or {})["run_id"] == "my-run"


# -- a non-streaming run whose answer a gateway lost ---------------------------------------------


@pytest.mark.parametrize("status", [502, 504])
def test_a_run_whose_answer_the_gateway_lost_returns_its_result(
    client: AgentOSClient, fake: FakeAgentOS, status: int, clock: Clock
) -> None:
    fake.faults.gateway(status, path="/agents/assistant/runs", method="POST")
    out = client.agents.run("assistant", "What is 2 + 2?")
    assert out.status == "COMPLETED" and out.content
    creates = [r for r in fake.requests if r.method == "POST"]
    assert len(creates) == 1 and out.run_id == (creates[0].form or {})["run_id"]
    assert len(fake.runs) == 1


def test_a_lost_answer_waits_for_a_slow_run(fake: FakeAgentOS, clock: Clock) -> None:
    # The run is found only on the 4th look-up (AgentOS stores a foreground run when it ends).
    fake.add_agent("slow", polls_until_done=1)
    fake.faults.gateway(504, path="/agents/slow/runs", method="POST")
    fake.faults.status(404, detail="Run not found", path="/agents/slow/runs/", method="GET", times=3)
    with AgentOSClient("http://fake.local", transport=FakeTransport(fake), timeout=(5, 60)) as client:
        out = client.agents.run("slow", "hi")
    looked = [r.url for r in fake.requests if r.method == "GET"]
    assert out.status == "COMPLETED" and len(looked) == 4 and all(out.run_id in url for url in looked)
    assert clock.sleeps == [0.25, 0.5, 1.0]


def test_a_run_never_found_raises_with_its_ids_and_how_to_fetch_it(fake: FakeAgentOS, clock: Clock) -> None:
    fake.faults.gateway(502, path="/agents/assistant/runs", method="POST")
    fake.faults.status(404, detail="Run not found", path="/runs/", method="GET", times=1000)
    with (
        AgentOSClient("http://fake.local", transport=FakeTransport(fake), timeout=Timeout(5, 300, total=20)) as c,
        pytest.raises(errors.RunAnswerLostError) as info,
    ):
        c.agents.run("assistant", "hi", session_id="s-1")
    exc = info.value
    assert exc.session_id == "s-1" and exc.run_id and exc.status_code == 502 and exc.reached_server is True
    assert f"client.agents.wait('assistant', '{exc.run_id}', 's-1')" in str(exc)
    assert not FORBIDDEN.search(str(exc)) and 19 <= sum(clock.sleeps) <= 20
    assert len([r for r in fake.requests if r.method == "POST"]) == 1


def test_a_background_create_whose_202_was_lost_is_found_not_sent_twice(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    fake.faults.gateway(502, path="/agents/assistant/runs", method="POST")
    accepted = client.agents.run("assistant", "hi", background=True)
    done = client.agents.wait("assistant", accepted.run_id, accepted.session_id, poll_interval=0.01)
    assert done.status == "COMPLETED" and len(fake.runs) == 1
    assert len([r for r in fake.requests if r.method == "POST"]) == 1


def test_a_background_create_that_never_arrived_is_sent_once_more(client: AgentOSClient, fake: FakeAgentOS) -> None:
    # A gateway that answered 502 without passing the request on: the run is absent, so the same
    # create (same run id, same Idempotency-Key) goes again, once.
    fake.faults.raw(body=NGINX_502, status=502, content_type="text/html", path="/agents/assistant/runs", method="POST")
    accepted = client.agents.run("assistant", "hi", background=True)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 2 and (posts[0].form or {})["run_id"] == (posts[1].form or {})["run_id"] == accepted.run_id
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    assert len(fake.runs) == 1


def test_an_agentos_error_on_a_create_is_not_a_lost_answer(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.status(503, detail="Job queue unavailable", path="/agents/assistant/runs", method="POST")
    with pytest.raises(errors.InternalServerError) as info:
        client.agents.run("assistant", "hi")
    assert not isinstance(info.value, errors.GatewayError) and "Job queue unavailable" in str(info.value)
    assert [r.method for r in fake.requests] == ["POST"]


# -- streams -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_background_stream_create_lost_by_a_gateway_is_resumed_exactly(
    client: AgentOSClient, fake: FakeAgentOS, status: int
) -> None:
    fake.faults.gateway(status, path="/agents/assistant/runs", method="POST")
    with client.agents.stream("assistant", "hi", background=True) as stream:
        got = list(stream)
    idx = [e.event_index for e in got]
    assert idx == list(range(len(idx))) and isinstance(got[-1], events.RunCompletedEvent)
    assert (
        len(fake.runs) == 1 and len([r for r in fake.requests if r.method == "POST" and r.url.endswith("/runs")]) == 1
    )


def test_a_fast_policy_waits_out_the_settle_window_before_sending_a_create_again(
    fake: FakeAgentOS, sleeps: List[float]
) -> None:
    # A gateway's 502 that never reached the server, under a policy whose attempts would all be
    # spent in the 0.5 s a server may take to list a run: the stream waits the rest of that window
    # once, looks again and sends the create once more, rather than giving up on a run that
    # does not exist (seen on CI: 20 attempts of <= 0.1 s backoff ran out before 0.5 s).
    fake.faults.raw(body=NGINX_502, status=502, content_type="text/html", path="/agents/assistant/runs", method="POST")
    policy = ReconnectPolicy(max_attempts=2, initial_backoff=0.0, max_backoff=0.0, deadline=30.0)
    with AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=policy) as client:
        got = list(client.agents.stream("assistant", "hi", background=True))
    idx = [e.event_index for e in got]
    assert idx == list(range(len(idx))) and isinstance(got[-1], events.RunCompletedEvent)
    posts = [r for r in fake.requests if r.method == "POST" and r.url.endswith("/runs")]
    assert len(posts) == 2 and len(fake.runs) == 1
    assert any(0 < s <= 0.5 for s in sleeps), sleeps


def test_a_foreground_stream_create_lost_by_a_gateway_names_its_run(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.gateway(504, path="/agents/assistant/runs", method="POST")
    with pytest.raises(errors.StreamInterruptedError) as info:
        client.agents.stream("assistant", "hi", session_id="s-9")
    exc = info.value
    sent = (fake.requests[0].form or {})["run_id"]
    assert exc.run_id == sent and exc.session_id == "s-9" and isinstance(exc.__cause__, errors.GatewayError)
    assert "may still complete on the server" in str(
        exc
    ) and f"client.agents.wait('assistant', '{sent}', 's-9')" in str(exc)
    assert not FORBIDDEN.search(str(exc)) and len(fake.requests) == 1


def test_a_foreground_cut_after_a_silence_names_the_gateway_idle_timeout(fake: FakeAgentOS) -> None:
    # Over HTTP a stall is a silence, then a close: what nginx does at proxy_read_timeout.
    fake.faults.stall(after_events=2, seconds=1.2, path="/agents/assistant/runs")
    with fake.serve() as server, AgentOSClient(server.url, timeout=(5, 30)) as client:
        stream = client.agents.stream("assistant", "hi", session_id="s-2")
        got = []
        with pytest.raises(errors.StreamInterruptedError) as info:
            for ev in stream:
                got.append(ev)
    exc = info.value
    assert exc.run_id == got[0].run_id and exc.session_id == "s-2" and exc.events_received == 2
    text = str(exc)
    assert "idle timeout" in text and "background=True" in text and "client.agents.wait('assistant'" in text


def test_a_foreground_cut_without_a_silence_does_not_blame_a_gateway(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.cut(after_events=2, path="/agents/assistant/runs")
    with pytest.raises(errors.StreamInterruptedError) as info:
        list(client.agents.stream("assistant", "hi"))
    assert "idle timeout" not in str(info.value) and info.value.run_id


def test_event_streams_ask_for_identity_encoding_and_json_calls_keep_compression(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    list(client.agents.stream("assistant", "hi"))
    client.agents.list()
    stream_request, list_request = fake.requests[0], fake.requests[-1]
    assert stream_request.headers["Accept-Encoding"] == "identity"
    assert "Accept-Encoding" not in list_request.headers  # requests' default (gzip, deflate) applies


def test_wait_waits_for_a_run_not_listed_yet_and_says_when_it_never_appears(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    # AgentOS answers 404 for a foreground run until it ends (what a lost answer's hint relies on).
    out = client.agents.run("assistant", "hi", session_id="s-3")
    fake.faults.status(404, detail="Run not found", path=f"/runs/{out.run_id}", method="GET", times=2)
    slept: List[float] = []
    done = client.agents.wait("assistant", out.run_id or "", "s-3", poll_interval=0.01, sleep=slept.append)
    assert done.status == "COMPLETED" and len(slept) == 2
    with pytest.raises(errors.NotFoundError, match=r"was not found during the 0\.05s wait") as info:
        client.agents.wait("assistant", "no-such-run", "s-3", timeout=0.05, poll_interval=0.01)
    assert info.value.status_code == 404


def test_a_settle_window_past_the_stream_deadline_is_not_waited_out(fake: FakeAgentOS, sleeps: List[float]) -> None:
    # The same lost create, on a stream whose deadline comes before the 0.5 s settle window ends:
    # the window is not slept (the one deadline rule); the outage ends with its last failure, and
    # no second create goes out on a run that may yet be listed.
    fake.faults.raw(body=NGINX_502, status=502, content_type="text/html", path="/agents/assistant/runs", method="POST")
    policy = ReconnectPolicy(max_attempts=5, initial_backoff=0.0, max_backoff=0.0, deadline=30.0)
    client = AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=policy)
    with client, pytest.raises(errors.ReconnectExhaustedError, match="no run in session") as info:
        list(client.agents.stream("assistant", "hi", background=True, deadline=0.2))
    posts = [r for r in fake.requests if r.method == "POST" and r.url.endswith("/runs")]
    assert len(posts) == 1 and info.value.attempts == 1 and not any(s > 0 for s in sleeps), sleeps
