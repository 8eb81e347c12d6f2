"""The fake AgentOS's event streams: live run streams and the three ``/resume`` paths (catch up,
replay from the buffer, replay from the database)."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from ..errors import APIConnectionError
from ._body import Frame
from ._events import without_index
from ._model import FakeRun
from ._routes import _Router
from ._shapes import stored_events
from ._sse import event_frame, meta_frame
from ._wire import _KINDS, _PAUSED_EVENTS, _SUBSCRIBED, _Call, _parse_int, _Reply


class _StreamRoutes(_Router):
    """Live and resumed event streams."""

    def _h_resume(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        form = call.form
        last = _parse_int(form.get("last_event_index"), ["body", "last_event_index"])
        session_id = form.get("session_id") or None
        self._component_or_404(kind, component_id)
        return self._sse(self._resume_frames(kind, component_id, run_id, last, session_id))

    # -- streams ---------------------------------------------------------------------------------
    def _check_generation(self, generation: int) -> None:
        if self._generation != generation:
            raise APIConnectionError("Connection reset: the fake AgentOS server restarted.")

    def _live_frames(self, run: FakeRun, start: int, *, indexed: bool, floor: int = -1) -> Iterator[Frame]:
        """The run's events from position ``start`` on, producing them as they are pulled, until the
        run has no more (or its leg ended with a pause). Cut if the server restarts meanwhile."""
        with self._lock:
            return self._live_gen(run, start, indexed, floor, self._generation)

    def _live_gen(self, run: FakeRun, start: int, indexed: bool, floor: int, generation: int) -> Iterator[Frame]:
        pos = start
        while True:
            with self._lock:
                self._check_generation(generation)
                if pos < len(run.events):
                    event = run.events[pos]
                elif run.active:
                    event = self._produce(run)
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

    def _resume_frames(
        self, kind: str, component_id: str, run_id: str, last: Optional[int], session_id: Optional[str]
    ) -> Iterator[Frame]:
        """The four paths of ``/resume`` (see PROTOCOL.md), decided when the body starts."""
        with self._lock:
            return self._resume_gen(kind, component_id, run_id, last, session_id, self._generation)

    def _resume_gen(
        self, kind: str, component_id: str, run_id: str, last: Optional[int], session_id: Optional[str], generation: int
    ) -> Iterator[Frame]:
        floor = last if last is not None else -1
        with self._lock:
            self._check_generation(generation)
            run = self.runs.get(run_id)
            frames: List[Frame] = []
            live_from: Optional[int] = None
            if run is not None and run.buffered:
                missed = [e for e in run.events if int(e["event_index"]) > floor]
                count = len(run.events)
                if run.active:
                    if missed:
                        frames.append(
                            Frame(
                                meta_frame(
                                    {
                                        "event": "catch_up",
                                        "run_id": run_id,
                                        "status": "running",
                                        "missed_events": len(missed),
                                        "current_event_count": count,
                                        "message": f"Catching up on {len(missed)} missed events.",
                                    }
                                )
                            )
                        )
                        frames.extend(Frame(event_frame(e), is_event=True) for e in missed)
                    frames.append(
                        Frame(
                            meta_frame(
                                {
                                    "event": "subscribed",
                                    "run_id": run_id,
                                    "status": "running",
                                    "current_event_count": count,
                                    "message": _SUBSCRIBED[kind],
                                }
                            )
                        )
                    )
                    live_from = count
                else:
                    frames.append(
                        Frame(
                            meta_frame(
                                {
                                    "event": "replay",
                                    "run_id": run_id,
                                    "status": run.status,
                                    "total_events": len(missed),
                                    "total_buffered": count,
                                    "last_event_index_requested": floor,
                                    "message": f"Run {run.status}. Replaying {len(missed)} missed events"
                                    f" (of {count} total).",
                                }
                            )
                        )
                    )
                    frames.extend(Frame(event_frame(e), is_event=True) for e in missed)
            else:
                db_run = self._db_run(kind, component_id, run_id, session_id)
                spec = self._spec(kind, component_id)
                if db_run is not None and spec is not None and spec.db:
                    stored = stored_events(db_run, spec)
                    if stored:
                        replayed = [e for e in stored if int(e["event_index"]) > floor]
                        frames.append(
                            Frame(
                                meta_frame(
                                    {
                                        "event": "replay",
                                        "run_id": run_id,
                                        "status": db_run.status,
                                        "total_events": len(replayed),
                                        "message": "Run completed. Replaying stored events from database.",
                                    }
                                )
                            )
                        )
                        frames.extend(Frame(event_frame(e), is_event=True) for e in replayed)
                    else:
                        frames.append(Frame(meta_frame(_no_stored_events_meta(db_run))))
                else:
                    frames.append(
                        Frame(
                            meta_frame(
                                {
                                    "event": "error",
                                    "error": f"Run {run_id} not found in buffer or database",
                                }
                            )
                        )
                    )
        for frame in frames:
            with self._lock:
                self._check_generation(generation)
            yield frame
        if run is not None and live_from is not None:
            yield from self._live_gen(run, live_from, True, floor, generation)


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
