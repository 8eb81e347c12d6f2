"""streams._position: the one rule about each event, alone (no I/O), and held equal to the copy
of its in-order case that RunStream's fast lane runs inline (a differential property test: the
same connections through a real RunStream and through Position.accept alone)."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentos_sync import ReconnectPolicy, errors, events
from agentos_sync.models import RunOutput
from agentos_sync.sse import iter_events
from agentos_sync.streams import CONTINUE_LEG_START, RunStream
from agentos_sync.streams._position import Cut, Position, Stale
from agentos_sync.transports.base import Response

RUN, OTHER, SESSION = "run-1", "run-nested", "sess-1"


def ev(name: str, index: Optional[int], run_id: str = RUN, **fields: Any) -> events.RunEvent:
    data = {"event": name, "event_index": index, "run_id": run_id, "session_id": SESSION, **fields}
    return next(iter_events([_frame(data)]))


def meta(name: str, **fields: Any) -> events.StreamMetaEvent:
    frame = next(iter_events([_frame({"event": name, **fields})]))
    assert isinstance(frame, events.StreamMetaEvent)
    return frame


def _frame(data: Dict[str, Any]) -> bytes:
    return f"event: {data['event']}\ndata: {json.dumps(data)}\n\n".encode()


# -- the rule, alone -----------------------------------------------------------------------------


def test_in_order_events_are_delivered_and_duplicates_dropped() -> None:
    position = Position("agent", RUN, SESSION)
    delivered = [position.accept(ev("RunContent", i, content="x")) for i in (0, 1, 1, 0, 2)]
    assert delivered == [True, True, False, False, True]
    assert position.last_event_index == 2 and position.delivered == 3 and position.dropped == 2
    assert position.content_chars == 3 and position.first_at is not None


def test_live_gaps_are_allowed_and_database_gaps_are_stale() -> None:
    position = Position("agent", RUN, SESSION, 3)
    assert position.accept(ev("RunContent", 7))  # the live buffer leaves gaps on purpose
    position.new_connection()
    position.on_meta(meta("replay", status="COMPLETED", total_events=2))  # no total_buffered: the database
    assert position.from_db
    with pytest.raises(Stale) as info:
        position.accept(ev("ToolCallStarted", 10))
    assert info.value.missing == (8, 9) and not info.value.running
    assert position.last_event_index == 7


def test_the_run_ends_at_its_own_terminal_event_not_a_nested_one() -> None:
    position = Position("agent", RUN, SESSION, 0)
    assert position.accept(ev("RunCompleted", 1, run_id=OTHER)) and not position.finished(at_close=False)
    assert position.accept(ev("RunCompleted", 2, content="done")) and position.finished(at_close=False)
    assert position.output().content == "done" and position.output().status == "COMPLETED"


def test_a_renumbered_stored_terminal_event_is_trusted_only_when_the_content_adds_up() -> None:
    position = Position("agent", None, SESSION)
    for i, piece in enumerate(["a ", "b"]):
        assert position.accept(ev("RunContent", i, content=piece))
    position.on_meta(meta("replay", status="COMPLETED", total_events=1))
    terminal = ev("RunCompleted", 0, content="a b")  # numbered by its place in the stored list
    assert position.accept(terminal) and terminal.event_index == 2
    short = Position("agent", None, SESSION)
    assert short.accept(ev("RunContent", 0, content="a "))
    short.on_meta(meta("replay", status="COMPLETED", total_events=1))
    with pytest.raises(Stale) as info:
        short.accept(ev("RunCompleted", 0, content="a b"))
    assert info.value.missing == (1, None)


def test_a_continue_leg_starts_at_its_own_first_event() -> None:
    position = Position("agent", RUN, SESSION, None, CONTINUE_LEG_START["agent"])
    assert not position.accept(ev("RunContent", 0)) and not position.accept(ev("RunPaused", 1))
    assert position.accept(ev("RunContinued", 0)) and position.accept(ev("RunContent", 1))
    assert position.dropped == 2 and position.last_event_index == 1


def test_meta_frames_and_what_a_close_means() -> None:
    position = Position("agent", RUN, SESSION, 4)
    with pytest.raises(errors.RunNotFoundError):
        position.on_meta(meta("error", error="Run run-1 not found in buffer or database"))
    with pytest.raises(Cut):
        position.on_meta(meta("error", error="event store failed"))
    assert isinstance(position.early_end("closed"), Cut)
    position.on_meta(meta("replay", status="RUNNING", total_events=0))
    lost = position.early_end("closed")
    assert isinstance(lost, Stale) and lost.running
    position.new_connection()
    position.on_meta(meta("replay", status="COMPLETED", total_events=1, total_buffered=3))
    assert not position.finished(at_close=True)  # the buffer promised one event
    assert position.accept(ev("RunContent", 5)) and position.finished(at_close=True)


def test_the_fast_lane_opens_only_when_the_rule_reduces_to_in_order() -> None:
    position = Position("agent", None, SESSION)
    assert position.fast_lane() == (-1, False)
    position.accept(ev("RunStarted", 0))
    assert position.fast_lane() == (0, True)
    position.on_meta(meta("replay", status="COMPLETED"))
    assert position.fast_lane() == (0, False)  # a database replay: only accept judges it


# -- the fast lane against the rule --------------------------------------------------------------


class _Body(Response):
    """One connection's answer: whole SSE frames, then a clean close or a broken connection."""

    status_code = 200

    def __init__(self, frames: List[Dict[str, Any]], cut: bool) -> None:
        self.frames, self.cut = frames, cut
        self.headers = {"content-type": "text/event-stream"}

    def iter_bytes(self) -> Iterator[bytes]:
        for data in self.frames:
            yield _frame(data)
        if self.cut:
            raise errors.APIConnectionError("connection reset (scripted)", reached_server=True)

    def close(self) -> None:
        pass


class _Script:
    """A RunSource answering each resume with the next scripted connection."""

    def __init__(self, bodies: List[_Body]) -> None:
        self.bodies = bodies
        self.resumed_after: List[Optional[int]] = []

    def resume(self, run_id: str, session_id: Optional[str], last: Optional[int], *, fresh: bool = False) -> Response:
        self.resumed_after.append(last)
        if not self.bodies:
            raise errors.RunNotFoundError("the script has no more connections", run_id=run_id)
        return self.bodies.pop(0)

    def locate(self, session_id: str) -> Optional[str]:
        return RUN

    def recreate(self) -> Response:
        raise AssertionError("a located run is never created again")

    def get_run(self, run_id: str, session_id: Optional[str]) -> RunOutput:
        return RunOutput(run_id=run_id, session_id=session_id)


Connection = Tuple[List[Dict[str, Any]], bool]


@st.composite
def connections(draw: Any) -> List[Connection]:
    """Connections as a server gives them: mostly in order, with duplicates and replays (a
    resume repeats what was delivered), gaps, nested and own terminal events, meta frames."""
    out: List[Connection] = []
    for _ in range(draw(st.integers(1, 5))):
        index = draw(st.integers(-1, 6))
        frames: List[Dict[str, Any]] = []
        for _ in range(draw(st.integers(0, 12))):
            what = draw(st.sampled_from(["event"] * 8 + ["meta"]))
            if what == "meta":
                frames.append(
                    draw(
                        st.sampled_from(
                            [
                                {"event": "catch_up", "missed_events": 2},
                                {"event": "subscribed"},
                                {"event": "replay", "status": "COMPLETED", "total_events": 2, "total_buffered": 4},
                                {"event": "replay", "status": "COMPLETED", "total_events": 1},
                                {"event": "replay", "status": "RUNNING", "total_events": 0},
                                {"event": "error", "error": "the event store failed"},
                                {"event": "error", "error": f"Run {RUN} not found in buffer or database"},
                            ]
                        )
                    )
                )
                continue
            index += draw(st.sampled_from([1, 1, 1, 1, 1, 2, 3, 0, -1, -3]))
            name = draw(
                st.sampled_from(
                    ["RunContent"] * 6 + ["RunStarted", "ToolCallStarted", "RunContinued", "RunCompleted", "RunError"]
                )
            )
            data: Dict[str, Any] = {
                "event": name,
                "event_index": None if draw(st.integers(0, 30)) == 0 else max(index, 0),
                "run_id": OTHER if draw(st.integers(0, 8)) == 0 else RUN,
                "session_id": SESSION,
            }
            if name in ("RunContent", "RunCompleted"):
                data["content"] = draw(st.sampled_from(["ab", "xyz", ""]))
            frames.append(data)
        out.append((frames, draw(st.booleans())))
    return out


def _reference(
    script: List[Connection], state: Dict[str, Any], yield_meta: bool
) -> Tuple[List[Any], List[Any], List[Optional[int]], Position, Optional[BaseException]]:
    """What the stream must do, with Position.accept judging every event: deliver, resume after
    a cut or an early end on the next connection, stop at the run's end or a final error."""
    position = Position("agent", **state)
    delivered: List[Any] = []
    hidden: List[Any] = []
    resumed_after: List[Optional[int]] = []
    for number in range(len(script) + 1):
        if number:
            resumed_after.append(position.last_event_index if position.run_id is not None else None)
            if position.run_id is None:
                position.run_id = RUN  # located in its session
        if number == len(script):
            return delivered, hidden, resumed_after, position, errors.RunNotFoundError("x")
        frames, cut = script[number]
        position.new_connection()
        # A resume is an attempt until its first new event: the meta frames of one that fails
        # before it reach no one.
        attempt: Optional[List[Any]] = [] if number else None
        try:
            for item in iter_events([_frame(data) for data in frames]):
                if isinstance(item, events.StreamMetaEvent):
                    position.on_meta(item)
                    (attempt if attempt is not None else delivered if yield_meta and not number else hidden).append(
                        _key(item)
                    )
                elif position.accept(item):
                    if attempt is not None:
                        hidden.extend(attempt)
                        attempt = None
                    delivered.append(_key(item))
            if cut:
                raise Cut("scripted")
            if position.finished(at_close=True):
                hidden.extend(attempt or [])
                break
            raise position.early_end("closed early")
        except (Cut, Stale):
            if position.finished(at_close=False):
                break
        except errors.RunNotFoundError as exc:
            return delivered, hidden, resumed_after, position, exc
    return delivered, hidden, resumed_after, position, None


def _key(item: events.RunEvent) -> Tuple[Any, ...]:
    return (item.event, item.event_index, item.run_id, getattr(item, "content", None))


def _state(position: Position) -> Dict[str, Any]:
    out = {name: getattr(position, name) for name in Position.__slots__ if name not in ("_clock", "first_at")}
    out.pop("last_event_at")
    out["terminal"] = [_key(t) for t in position.terminal]
    out["first_at"] = position.first_at is not None
    return out


@given(
    connections(),
    st.sampled_from([None, RUN]),
    st.sampled_from([None, 0, 3]),
    st.booleans(),
    st.booleans(),
)
def test_the_fast_lane_delivers_what_the_rule_delivers(
    script: List[Connection], run_id: Optional[str], last: Optional[int], continued: bool, yield_meta: bool
) -> None:
    leg_start = CONTINUE_LEG_START["agent"] if continued else None
    state: Dict[str, Any] = dict(run_id=run_id, session_id=SESSION, last_event_index=last, leg_start=leg_start)
    want, want_hidden, want_resumes, want_position, want_error = _reference(script, state, yield_meta)

    bodies = [_Body(frames, cut) for frames, cut in script]
    source = _Script(bodies[1:])
    hidden: List[Any] = []
    stream = RunStream(
        source=source,
        kind="agent",
        response=bodies[0],
        resumable=True,
        policy=ReconnectPolicy(max_attempts=100, initial_backoff=0.0, max_backoff=0.0, deadline=60.0, hedge=1),
        on_reconnect=lambda m: hidden.append(_key(m)),
        yield_meta=yield_meta,
        **state,
    )
    got: List[Any] = []
    error: Optional[BaseException] = None
    try:
        for item in stream:
            got.append(_key(item))
    except errors.RunNotFoundError as exc:
        error = exc
    assert got == want
    assert hidden == want_hidden
    assert source.resumed_after == want_resumes
    assert _state(stream._position) == _state(want_position)
    assert type(error) is type(want_error)
    assert stream.stats.events == want_position.delivered


def test_the_fast_lane_takes_in_order_events_without_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # Otherwise the differential test above would compare the rule with itself.
    calls: List[int] = []
    accept = Position.accept

    def counted(self: Position, item: events.RunEvent) -> bool:
        calls.append(item.event_index or 0)
        return accept(self, item)

    monkeypatch.setattr(Position, "accept", counted)
    frames = [{"event": "RunContent", "event_index": i, "run_id": RUN, "session_id": SESSION} for i in range(50)]
    frames.append({"event": "RunCompleted", "event_index": 50, "run_id": RUN, "session_id": SESSION})
    stream = RunStream(source=_Script([]), kind="agent", response=_Body(frames, False), resumable=True)
    assert len(list(stream)) == 51
    assert calls == [0, 50]  # the first event (it opens the lane) and the terminal one
