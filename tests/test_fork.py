"""A client used before ``os.fork()``: the child sends on its own connections, and nothing the
child does with what it inherited (use, close, drop, exit) touches the parent's streams.

The fake is served over real loopback HTTP: a fork copies sockets, which no in-memory fake has.
Each child reports through a pipe and leaves with ``os._exit`` (never back into pytest).
"""

from __future__ import annotations

import gc
from typing import Any, Dict, Iterator, List, Set

import pytest
from _support import in_child

from agentos_sync import AgentOSClient, ReconnectPolicy, errors, events
from agentos_sync.testing import FakeAgentOS, FakeServer

pytestmark = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")

LONG = " ".join(f"tok{i}" for i in range(30))


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeAgentOS()
    fake.add_agent("assistant", reply=LONG)
    fake.add_agent("echo")
    with fake.serve(event_delay=0.01) as srv:
        yield srv


@pytest.fixture
def real_client(server: FakeServer) -> Iterator[AgentOSClient]:
    policy = ReconnectPolicy(max_attempts=5, initial_backoff=0.0, max_backoff=0.0, deadline=30.0)
    with AgentOSClient(server.url, timeout=(5.0, 10.0), reconnect=policy) as c:
        yield c


def pooled_ports(client: AgentOSClient) -> Set[int]:
    """Local ports of the connections idle in this process's pool of ``client``."""
    session = client.transport._session_here()  # type: ignore[attr-defined]
    ports = set()
    for adapter in {id(a): a for a in session.adapters.values()}.values():
        for pool in list(adapter.poolmanager.pools._container.values()):
            for conn in list(pool.pool.queue):
                if conn is not None and conn.sock is not None:
                    ports.add(conn.sock.getsockname()[1])
    return ports


def content_of(evs: List[events.RunEvent]) -> str:
    return "".join(str(e.content) for e in evs if isinstance(e, events.RunContentEvent))


def assert_complete_once(evs: List[events.RunEvent]) -> None:
    done = [e for e in evs if isinstance(e, events.RunCompletedEvent)]
    assert len(done) == 1 and content_of(evs) == done[0].content == LONG
    indices = [e.event_index for e in evs if e.event_index is not None]
    assert indices == sorted(set(indices))


def test_a_child_sends_on_its_own_connection_and_the_parent_keeps_its_own(real_client: AgentOSClient) -> None:
    assert real_client.run_agent("echo", "parent 1").content == "You said: parent 1"
    parent_ports = pooled_ports(real_client)
    assert len(parent_ports) == 1

    def child() -> Dict[str, Any]:
        answers = [str(real_client.run_agent("echo", f"child {n}").content) for n in range(3)]
        return {"answers": answers, "ports": sorted(pooled_ports(real_client))}

    seen = in_child(child)
    assert seen["answers"] == [f"You said: child {n}" for n in range(3)]
    assert seen["ports"] and not set(seen["ports"]) & parent_ports
    # The parent's pooled connection is intact and reused: same port, right answer.
    assert real_client.run_agent("echo", "parent 2").content == "You said: parent 2"
    assert pooled_ports(real_client) == parent_ports


@pytest.mark.parametrize("what", ["close", "drop", "close_client"])
def test_a_child_closing_or_dropping_an_inherited_stream_leaves_the_parents_stream_whole(
    real_client: AgentOSClient, what: str
) -> None:
    stream = real_client.run_agent_stream("assistant", "story")  # foreground: a cut would be fatal
    evs = [next(stream) for _ in range(4)]

    def child() -> Dict[str, Any]:
        nonlocal stream
        if what == "close":
            stream.close()
        elif what == "drop":
            del stream
            gc.collect()
        else:
            real_client.close()
        return {"done": True}

    assert in_child(child) == {"done": True}
    evs.extend(stream)
    assert_complete_once(evs)
    assert real_client.run_agent("echo", "after").content == "You said: after"


def test_a_child_reading_an_inherited_background_stream_resumes_on_its_own_connection(
    real_client: AgentOSClient,
) -> None:
    stream = real_client.run_agent_stream("assistant", "story", background=True)
    evs = [next(stream) for _ in range(4)]

    def child() -> Dict[str, Any]:
        rest = list(stream)
        return {
            "content": content_of(evs + rest),
            "indices": [e.event_index for e in evs + rest],
            "reconnects": stream.reconnects,
            "completed": sum(isinstance(e, events.RunCompletedEvent) for e in rest),
        }

    seen = in_child(child)
    assert seen["content"] == LONG and seen["completed"] == 1 and seen["reconnects"] == 1
    assert seen["indices"] == sorted(set(seen["indices"]))
    evs.extend(stream)
    assert_complete_once(evs)
    assert stream.reconnects == 0  # the parent's connection was never touched


def test_a_child_reading_an_inherited_foreground_stream_is_told_and_the_parent_reads_on(
    real_client: AgentOSClient,
) -> None:
    stream = real_client.run_agent_stream("assistant", "story")
    evs = [next(stream) for _ in range(4)]

    def child() -> Dict[str, Any]:
        try:
            list(stream)
        except errors.StreamInterruptedError as exc:
            return {"raised": "StreamInterruptedError", "forked": "forked child" in str(exc.__cause__)}
        return {"raised": None}

    assert in_child(child) == {"raised": "StreamInterruptedError", "forked": True}
    evs.extend(stream)
    assert_complete_once(evs)


def test_a_childs_session_keeps_the_settings_of_a_given_session(server: FakeServer) -> None:
    import requests

    from agentos_sync.transports.requests import RequestsTransport

    given = requests.Session()
    given.headers["X-Tenant"] = "acme"
    given.params = {"trace": "1"}
    given.verify = False
    # A given session keeps its own settings (pool sizes cannot be passed with it).
    transport = RequestsTransport(session=given)
    client = AgentOSClient(server.url, transport=transport)
    assert client.run_agent("echo", "parent").content == "You said: parent"

    def child() -> Dict[str, Any]:
        answer = client.run_agent("echo", "child").content
        session = transport._session_here()
        return {
            "answer": answer,
            "fresh": session is not given,
            "tenant": session.headers.get("X-Tenant"),
            "params": session.params,
            "verify": session.verify,
        }

    assert in_child(child) == {
        "answer": "You said: child",
        "fresh": True,
        "tenant": "acme",
        "params": {"trace": "1"},
        "verify": False,
    }
