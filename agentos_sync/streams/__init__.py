"""Layer 2: run streams, iterators over one run's events that survive dropped connections.

The reconnect rules, and where each is decided (see docs/architecture.md, 'Reconnecting'):

- A stream is resumable when its events carry ``event_index`` (background runs, ``resume_*``).
  A cut resumable stream calls ``/resume`` with the last index it delivered; a cut foreground
  stream raises `StreamInterruptedError` and is never re-run (``_reconnector``).
- A cut is a broken connection, a read timeout, a clean close before the run's terminal event, an
  ``event: error`` frame saying the server's event stream failed, or 5xx/429/refused on
  ``/resume``. 400/401/403/404/422 and "run not found" are not retried (``_reconnector``).
- Events at or below the last delivered index are dropped (resumes replay them), except the run's
  own terminal event while none was delivered (a database replay may number it by position)
  (``_position``).
- Gaps are allowed where the server makes them on purpose: its live buffer (``catch_up``,
  ``subscribed``, a ``replay`` with ``total_buffered``) holds every event it published, with
  indices that retries and continue legs leave gapped. A database replay (a ``replay`` without
  ``total_buffered``: another worker, or a restarted server) holds only the STORED events, and
  agno does not store RunContent by default: there a gap is a loss. The stream never delivers
  past one; it counts the answer as stale and resumes again on a fresh connection (another worker
  may hold the run), then raises `RunIncompleteError` with the missing ranges and the run's
  stored output. A ``replay`` RUNNING with no events is the same kind of stale answer, ending in
  `RunLostError` (``_position`` judges, ``_reconnector`` retries and words the error).
- The run ends at the first terminal event carrying the stream's own run_id (a workflow's nested
  agent ``RunCompleted`` is not it). What the server sends after it is still delivered, and a
  close or cut after it is the normal end. A ``replay`` reporting a terminal status ends the
  stream once its events are delivered (``_position``).
- A cut before the first event (run_id unknown) finds the run the create made in its session (by
  the run_id the create asked for, or the tag it carried) and resumes it from the start; it
  re-sends the create (same ``Idempotency-Key``) only when the server provably never got it
  (``_reconnector`` decides when, ``_source`` finds the run).
- A continue stream's own leg starts at its ``*Continued`` event: what a resume replays before it
  is the paused leg's (numbered from 0 again when that leg was a foreground stream) (``_position``).

The modules: ``_stream`` (`RunStream`: iteration, the fast path, lifecycle), ``_position`` (the
decisions about each event, no I/O), ``_connection`` (the current response, closing, the
deadline), ``_reconnector`` (the loop after a cut, and its errors), ``_source`` (the client's
requests behind a `RunSource`, and how a create names its run). Only ``_source`` knows the
client's HTTP core; the stream's side reaches the server through its `RunSource` alone.
"""

from ._position import CONTINUE_LEG_START as CONTINUE_LEG_START
from ._reconnector import RunSource
from ._stream import RunStream, StreamStats

__all__ = ["RunSource", "RunStream", "StreamStats"]
