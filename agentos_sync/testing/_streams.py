"""The fake AgentOS's event streams: a run's live stream, and the paths of ``/resume`` (catch up
and subscribe, replay from the event buffer, replay from the database, or the ``error`` frame),
decided when the body starts, as docs/architecture.md ('The fake server') describes.

Bodies are generators that produce the run's events as they are pulled (the fake's time model),
under the state's lock, and break off with ``APIConnectionError`` if the server restarts meanwhile."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional

from ..errors import APIConnectionError
from ._body import Frame
from ._events import without_index
from ._model import FakeRun
from ._shapes import stored_events
from ._sse import event_frame, meta_frame
from ._state import _State
from ._wire import _PAUSED_EVENTS, _SUBSCRIBED

__all__ = ["live_frames", "resume_frames"]


def _check_generation(state: _State, generation: int) -> None:
    if state._generation != generation:
        raise APIConnectionError("Connection reset: the fake AgentOS server restarted.")


def live_frames(state: _State, run: FakeRun, start: int, *, indexed: bool, floor: int = -1) -> Iterator[Frame]:
    """The run's events from position ``start`` on, producing them as they are pulled, until the
    run has no more (or its leg ended with a pause). Cut if the server restarts meanwhile."""
    with state._lock:
        return _live(state, run, start, indexed, floor, state._generation)


def _live(state: _State, run: FakeRun, start: int, indexed: bool, floor: int, generation: int) -> Iterator[Frame]:
    pos = start
    while True:
        with state._lock:
            _check_generation(state, generation)
            if pos < len(run.events):
                event = run.events[pos]
            elif run.active:
                event = state._produce(run)
            else:
                return
            pos += 1
            if int(event.get("event_index", pos)) <= floor:
                continue
            data = event_frame(event if indexed else without_index(event))
            paused = event.get("event") in _PAUSED_EVENTS and event.get("run_id") == run.run_id
        yield Frame(data, is_event=True)
        if paused:
            return


def resume_frames(
    state: _State, kind: str, component_id: str, run_id: str, last: Optional[int], session_id: Optional[str]
) -> Iterator[Frame]:
    """What ``/resume`` sends after ``last`` (None: from the start), decided when the body starts."""
    with state._lock:
        return _resume(state, kind, component_id, run_id, last, session_id, state._generation)


def _meta(payload: Dict[str, Any]) -> Frame:
    return Frame(meta_frame(payload))


def _event_frames(events: Iterable[Dict[str, Any]]) -> List[Frame]:
    return [Frame(event_frame(e), is_event=True) for e in events]


def _from_buffer(run: FakeRun, kind: str, floor: int) -> List[Frame]:
    """A buffered run: catch up and subscribe while it runs, else replay what was missed."""
    missed = [e for e in run.events if int(e["event_index"]) > floor]
    count = len(run.events)
    if not run.active:
        replay = {
            "event": "replay",
            "run_id": run.run_id,
            "status": run.status,
            "total_events": len(missed),
            "total_buffered": count,
            "last_event_index_requested": floor,
            "message": f"Run {run.status}. Replaying {len(missed)} missed events (of {count} total).",
        }
        return [_meta(replay), *_event_frames(missed)]
    frames: List[Frame] = []
    if missed:
        catch_up = {
            "event": "catch_up",
            "run_id": run.run_id,
            "status": "running",
            "missed_events": len(missed),
            "current_event_count": count,
            "message": f"Catching up on {len(missed)} missed events.",
        }
        frames = [_meta(catch_up), *_event_frames(missed)]
    subscribed = {
        "event": "subscribed",
        "run_id": run.run_id,
        "status": "running",
        "current_event_count": count,
        "message": _SUBSCRIBED[kind],
    }
    return [*frames, _meta(subscribed)]


def _from_database(
    state: _State, kind: str, component_id: str, run_id: str, floor: int, session_id: Optional[str]
) -> List[Frame]:
    """A run no longer buffered: replay its stored events, or say it has none, or that it is unknown."""
    run = state._db_run(kind, component_id, run_id, session_id)
    spec = state._spec(kind, component_id)
    if run is None or spec is None or not spec.db:
        return [_meta({"event": "error", "error": f"Run {run_id} not found in buffer or database"})]
    stored = stored_events(run, spec)
    if not stored:
        return [_meta(_no_stored_events_meta(run))]
    replayed = [e for e in stored if int(e["event_index"]) > floor]
    replay = {
        "event": "replay",
        "run_id": run_id,
        "status": run.status,
        "total_events": len(replayed),
        "message": "Run completed. Replaying stored events from database.",
    }
    return [_meta(replay), *_event_frames(replayed)]


def _resume(
    state: _State,
    kind: str,
    component_id: str,
    run_id: str,
    last: Optional[int],
    session_id: Optional[str],
    generation: int,
) -> Iterator[Frame]:
    floor = last if last is not None else -1
    with state._lock:
        _check_generation(state, generation)
        run = state.runs.get(run_id)
        live_from: Optional[int] = None
        if run is not None and run.buffered:
            frames = _from_buffer(run, kind, floor)
            if run.active:
                live_from = len(run.events)
        else:
            frames = _from_database(state, kind, component_id, run_id, floor, session_id)
    for frame in frames:
        with state._lock:
            _check_generation(state, generation)
        yield frame
    if run is not None and live_from is not None:
        yield from _live(state, run, live_from, True, floor, generation)


def _no_stored_events_meta(run: FakeRun) -> Dict[str, Any]:
    if run.status in ("PENDING", "RUNNING"):
        message = (
            f"Run is {run.status} and was submitted without streaming, so it has no event stream to attach to. "
            "Poll the run endpoint for its result."
        )
    else:
        message = (
            f"Run {run.status} with no stored events: a run submitted without streaming keeps only its final output."
        )
    return {"event": "replay", "run_id": run.run_id, "status": run.status, "total_events": 0, "message": message}
