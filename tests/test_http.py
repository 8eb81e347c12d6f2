"""The HTTP core (``_http.py``): ``Timeout`` and the total bound of a call over its retries and
Retry-After waits, per-call timeouts and headers. Time is a fake clock that the recorded (never
slept) waits advance; one test uses a real silent socket."""

from __future__ import annotations

from typing import Callable, Iterator, List, Tuple

import pytest
from _support import Clock, HandlerTransport
from _wire import Conn, WireServer

from agentos_sync import AgentOSClient, Timeout, errors
from agentos_sync._http import HTTPCore, normalize_timeout
from agentos_sync.retry import RetryPolicy
from agentos_sync.transports.base import BytesResponse, IteratorResponse, Request, Response


def ok() -> Response:
    return BytesResponse(200, {"content-type": "application/json"}, b'{"status": "ok"}')


def busy(status: int, retry_after: str) -> Response:
    return BytesResponse(503 if status == 503 else status, {"retry-after": retry_after}, b'{"detail": "busy"}')


def core(handler: Callable[[Request], Response], **kwargs: object) -> Tuple[HTTPCore, HandlerTransport]:
    transport = HandlerTransport(handler)
    options: dict = {"timeout": Timeout(connect=5, read=60), "headers": None, "api_key": None}
    options.update(kwargs)
    options["retry"] = RetryPolicy(max_retries=int(options.pop("max_retries", 5)))  # type: ignore[call-overload]
    return HTTPCore(base_url="http://test.local", transport=transport, **options), transport  # type: ignore[arg-type]


def answers(*responses: Response) -> Callable[[Request], Response]:
    queue = list(responses)
    return lambda request: queue.pop(0)


# -- the value object ---------------------------------------------------------------------------


def test_timeout_accepts_numbers_pairs_and_timeouts() -> None:
    assert normalize_timeout(3) == Timeout(connect=3.0, read=3.0)
    assert normalize_timeout((1, 20)) == Timeout(connect=1.0, read=20.0)
    bounded = Timeout(connect=1, read=2, total=9)
    assert normalize_timeout(bounded) is bounded and bounded.pair == (1.0, 2.0) and bounded.total == 9.0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"total": 0}, ValueError),
        ({"total": float("inf")}, ValueError),
        ({"read": -1}, ValueError),
        ({"connect": "5"}, TypeError),
        ({"total": True}, TypeError),
    ],
)
def test_timeout_refuses_nonsense_by_field(kwargs: dict, error: type) -> None:
    field = next(iter(kwargs))
    with pytest.raises(error, match=f"Timeout.{field}"):
        Timeout(**kwargs)


# -- the retry loop is built only for a failure -------------------------------------------------------


def test_a_first_attempt_that_succeeds_builds_no_retry_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_loop(*args: object, **kwargs: object) -> None:
        raise AssertionError("request_retrying built for a request that succeeded")

    monkeypatch.setattr("agentos_sync.retry.RetryPolicy._retrying", no_loop)
    http, transport = core(answers(ok()))
    assert http.json("GET", ["config"]) == {"status": "ok"} and len(transport.requests) == 1


def test_a_failed_first_attempt_counts_as_the_loops_first(clock: Clock) -> None:
    # max_retries=2: three attempts in all, the first one made before the loop existed.
    http, transport = core(answers(busy(503, "1"), busy(503, "1"), busy(503, "1"), ok()), max_retries=2)
    with pytest.raises(errors.InternalServerError, match="busy"):
        http.json("GET", ["config"])
    assert len(transport.requests) == 3 and clock.sleeps == [1.0, 1.0]
    # A failure the loop does not retry is raised as itself, after one attempt.
    http, transport = core(answers(BytesResponse(404, {}, b'{"detail": "no such agent"}')))
    with pytest.raises(errors.NotFoundError, match="no such agent"):
        http.json("GET", ["agents", "x"])
    assert len(transport.requests) == 1 and clock.sleeps == [1.0, 1.0]


# -- Retry-After within the total ------------------------------------------------------------------


def test_retry_after_is_honoured_within_the_total(clock: Clock) -> None:
    http, transport = core(answers(busy(503, "2"), busy(429, "2"), ok()), timeout=Timeout(total=10))
    assert http.json("GET", ["config"]) == {"status": "ok"}
    assert clock.sleeps == [2.0, 2.0] and len(transport.requests) == 3


def test_a_retry_after_longer_than_what_remains_is_not_slept(clock: Clock) -> None:
    # Before: a Retry-After up to 60 s was slept whatever the caller could afford.
    http, transport = core(answers(busy(503, "30"), ok()), timeout=Timeout(total=10))
    with pytest.raises(errors.InternalServerError, match="busy"):
        http.json("GET", ["config"])
    assert clock.sleeps == [] and len(transport.requests) == 1


def test_without_a_total_retry_after_is_slept_as_before(clock: Clock) -> None:
    http, _ = core(answers(busy(503, "30"), ok()))
    assert http.json("GET", ["config"]) == {"status": "ok"}
    assert clock.sleeps == [30.0]


def test_each_attempt_gets_what_remains_and_the_total_covers_them_all(clock: Clock) -> None:
    began: List[float] = []

    def slow_failure(request: Request) -> Response:
        began.append(clock.now)
        clock.now += 4.0  # each attempt fails after 4 s
        raise errors.APIConnectionError("reset", request=request)

    http, transport = core(slow_failure, timeout=Timeout(connect=5, read=60, total=10), max_retries=10)
    started = clock.now
    with pytest.raises(errors.APIConnectionError, match="reset"):
        http.json("GET", ["config"])
    timeouts = [r.timeout for r in transport.requests]
    assert timeouts[0] == (5.0, 10.0)  # the read timeout cut to the total
    # Every attempt began inside the total and was given no more than what remained of it.
    assert len(began) == 3 and all(t - started < 10.0 for t in began)
    assert all(t is not None and max(t) <= started + 10.0 - b for t, b in zip(timeouts, began))


def test_a_read_timeout_cut_by_the_total_is_reported_as_the_total(clock: Clock) -> None:
    def silent(request: Request) -> Response:
        assert request.timeout is not None
        clock.now += request.timeout[1]
        raise errors.APITimeoutError("read timeout", request=request)

    http, _ = core(silent, timeout=Timeout(connect=5, read=60, total=10))
    with pytest.raises(errors.APITimeoutError, match=r"total timeout of 10 s") as info:
        http.json("GET", ["config"])
    assert info.value.reached_server is True


def test_the_total_bounds_a_body_that_trickles(clock: Clock) -> None:
    def trickle() -> Iterator[bytes]:
        for byte in b'{"status": "ok"}':
            clock.now += 3.0  # each byte inside the read timeout, the whole far past the total
            yield bytes([byte])

    http, _ = core(lambda r: IteratorResponse(200, {}, trickle()), timeout=Timeout(total=10))
    with pytest.raises(errors.APITimeoutError, match="total"):
        http.json("GET", ["config"])


def test_a_per_call_timeout_replaces_the_clients(clock: Clock) -> None:
    http, transport = core(answers(ok(), busy(503, "30"), ok()))
    assert http.json("GET", ["config"], timeout=(1, 2)) == {"status": "ok"}
    assert transport.requests[0].timeout == (1.0, 2.0)
    with pytest.raises(errors.InternalServerError):
        http.json("GET", ["config"], timeout=Timeout(total=5))
    assert clock.sleeps == []


def test_per_call_headers_are_added_and_checked() -> None:
    http, transport = core(answers(ok()), api_key="k")
    http.json("GET", ["config"], headers={"X-Trace": "1"})
    assert transport.requests[0].headers["X-Trace"] == "1" and transport.requests[0].headers["Authorization"]
    for bad, error in (({"X-A": "1\r\nX-Injected: 1"}, ValueError), ({"X A": "1"}, ValueError), ({"X": 1}, TypeError)):
        with pytest.raises(error, match="extra_headers"):
            http.json("GET", ["config"], headers=bad)


def test_a_client_wide_total_bounds_existing_methods(clock: Clock) -> None:
    transport = HandlerTransport(answers(busy(503, "30"), ok()))
    client = AgentOSClient("http://test.local", transport=transport, timeout=Timeout(connect=1, read=5, total=10))
    with pytest.raises(errors.InternalServerError):
        client.get_config()
    assert clock.sleeps == [] and client.timeout == (1.0, 5.0)


@pytest.mark.timeout(10)
def test_a_silent_server_ends_at_the_total_over_a_real_socket() -> None:
    def silent(conn: Conn) -> None:
        conn.read_request()
        conn.hold()

    with WireServer(silent) as server:
        client = AgentOSClient(server.url, timeout=Timeout(connect=2, read=60, total=0.5), max_retries=3)
        with pytest.raises(errors.APITimeoutError, match=r"total timeout of 0\.5 s"):
            client.list_agents()
        client.close()


@pytest.mark.timeout(20)
def test_a_read_timeout_is_not_retried_and_its_message_fits_any_call() -> None:
    # agents.list(timeout=2) against a silent server asked three times (6.4 s) and said "raise the
    # read timeout if the run is slow" for a call that is no run.
    def silent(conn: Conn) -> None:
        conn.read_request()
        conn.hold()

    with WireServer(silent) as server:
        client = AgentOSClient(server.url, max_retries=2)
        with pytest.raises(errors.APITimeoutError) as info:
            client.agents.list(timeout=0.3)
        client.close()
    assert len(server.requests) == 1
    message = str(info.value)
    assert "sent nothing for 0.3 s (the read timeout) after GET" in message and "/agents" in message
    assert "run" not in message.replace("/agents", "")
