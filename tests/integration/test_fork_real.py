"""A client forked in the middle of a live stream from the real AgentOS: the parent's stream
completes exactly, whatever the child does with its inherited copy, and the child's own run
completes on a connection of its own. And errors the real server causes cross a pickle."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from typing import Any, Dict, Set

import pytest
from _helpers import assert_exactly_once, server_events, text_of, tokens
from _support import in_child, local_ports

from agentos_sync import AgentOSClient, errors

pytestmark = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")

PARENT = "[tokens=40 delay=0.03] parent"


@pytest.mark.parametrize("background", [True, False], ids=["background", "foreground"])
@pytest.mark.parametrize("child_does", ["closes", "reads", "drops"])
def test_fork_mid_stream_parent_completes_exactly_and_the_child_runs_its_own(
    agentos: Any, background: bool, child_does: str
) -> None:
    client = AgentOSClient(agentos.url, timeout=(5, 30))
    stream = client.run_agent_stream("assistant", PARENT, background=background)
    head = [next(stream) for _ in range(6)]
    parent_ports: Set[int] = local_ports(agentos.port)

    def child() -> Dict[str, Any]:
        nonlocal stream
        inherited = local_ports(agentos.port)
        if child_does == "closes":
            stream.close()
        elif child_does == "reads":
            # A background stream resumes on the child's own connection; a foreground one cannot,
            # and says so. Either way the parent's socket is never read.
            with contextlib.suppress(errors.StreamInterruptedError):
                list(stream)
        else:
            del stream  # dropped: the garbage collector closes the child's copy
            gc.collect()
        out = client.run_agent_stream("assistant", f"[tokens=8] child {os.getpid()}", background=True)
        answer = out.get_final_output().content
        own = local_ports(agentos.port) - inherited
        return {"answer": answer, "own_ports": sorted(own), "inherited": sorted(inherited)}

    seen = in_child(child)
    assert seen["answer"] == tokens(8)
    assert seen["own_ports"] and not set(seen["own_ports"]) & parent_ports
    rest = list(stream)
    delivered = head + rest
    assert stream.reconnects == 0  # the parent's connection was never cut
    assert text_of(delivered) == tokens(40)
    if background:
        assert stream.run_id is not None
        assert_exactly_once(delivered, server_events(client, "agent", "assistant", stream.run_id, stream.session_id))


def test_errors_from_the_real_server_pickle_with_their_fields(agentos: Any) -> None:
    client = AgentOSClient(agentos.url, max_retries=0)
    with pytest.raises(errors.NotFoundError) as info:
        client.get_agent("no-such-agent")
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is errors.NotFoundError and back.status_code == 404
    assert back.detail == info.value.detail and str(back) == str(info.value)
    assert back.response is None and back.request is None
    with pytest.raises(errors.RunNotFoundError) as lost:
        list(client.resume_run_stream("assistant", "no-such-run", session_id="no-such-session"))
    again = pickle.loads(pickle.dumps(lost.value))
    assert (again.run_id, again.session_id) == ("no-such-run", "no-such-session")
