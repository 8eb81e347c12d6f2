"""The client's half of reconnecting a run stream: the requests a stream's reconnector makes, and
how a create names its run so that a create cut before its first event finds it again.

- `named` and `tagged` give a create's form its ``run_id`` (and, for a resumable create, a tag in
  its ``metadata``) before it is sent.
- `own_run` is the one rule that picks, among a session's runs, the run a given create made: the
  run_id it asked for, else its tag, else the newest run of a session the client made up for it.
  `HTTPRunSource.locate` and ``contrib.celery`` (a redelivered task) both use it.
- `HTTPRunSource` is the `RunSource` of one stream: ``/resume``, the session's run list, the
  re-sent create and the stored run, over the client's `HTTPCore` and the kind's runs path.
- `check_stream_response` tells an event stream from a cut header block or a page that is not
  AgentOS's.

It knows paths, not resources: ``resources``' run classes build it and import it, never the
reverse. See docs/architecture.md, 'Reconnecting'.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .. import errors
from .._http import HTTPCore, encode_form, read_limited, segment, validate, validate_list
from ..models import RunOutput
from ..transports.base import Response

__all__ = ["CREATE_TAG", "HTTPRunSource", "check_stream_response", "named", "open_resume", "own_run", "tagged"]

#: The metadata key a resumable create is tagged with (its Idempotency-Key as the value): the
#: server stores a create's metadata on agent runs and lists it back, so a create cut before its
#: first event finds its OWN run, not another of the session.
CREATE_TAG = "agentos_sync_create"

_EVENT_STREAM = "text/event-stream"


def check_stream_response(response: Response, what: str) -> Response:
    """``response`` when it is an event stream; a cut (`APIConnectionError`) when its header
    block was cut inside the content-type; `ProtocolError` quoting the start of anything else."""
    content_type = str(response.headers.get("content-type", "")).lower()
    if content_type and _EVENT_STREAM.startswith(content_type) and content_type != _EVENT_STREAM:
        # "text/event-": the header block was cut inside this value and the rest of it never
        # came (http.client takes a header block that ends at EOF as whole). A cut, not a protocol
        # error: the server got the request.
        response.close()
        raise errors.APIConnectionError(
            f"{what}: the connection broke inside the response headers (content-type {content_type!r}).",
            reached_server=True,
        )
    if content_type and _EVENT_STREAM not in content_type:
        try:
            # Bounded: a proxy's page or an endless body must not be read whole to quote it.
            body = read_limited(response, 300).decode("utf-8", "replace")
        finally:
            response.close()
        raise errors.ProtocolError(
            f"{what} answered {response.status_code} with content-type {content_type!r}, not an event "
            f"stream: {body!r}. Is base_url an AgentOS server?"
        )
    return response


def named(form: Mapping[str, str]) -> Tuple[Dict[str, str], str]:
    """A create's form with a ``run_id``: the server takes a create's run_id form field as the
    run's id (agents, teams and workflows alike, streaming or not, measured on 3.1.10; the durable
    queue assigns its own), so a create whose answer is lost knows which run is its own. A
    caller's own ``run_id`` (through ``extra_body``) is kept."""
    out = dict(form)
    run_id = out.get("run_id") or str(uuid.uuid4())
    out["run_id"] = run_id
    return out, run_id


def tagged(form: Mapping[str, str], tag: str) -> Tuple[Dict[str, str], str]:
    """A resumable create's form, named (`named`), with the create tag merged into its
    ``metadata`` (the user's keys kept): agent runs list their metadata, so a create cut before
    its first event also finds its own run on a server that assigns its own ids."""
    out = dict(form)
    metadata: Any = {}
    if "metadata" in out:
        try:
            metadata = json.loads(out["metadata"])
        except ValueError:
            metadata = None  # not ours to fix: the server answers it
    if isinstance(metadata, dict):
        out["metadata"] = json.dumps({**metadata, CREATE_TAG: tag})
    return named(out)


def own_run(
    runs: Sequence[RunOutput], *, run_id: Optional[str], tag: Optional[str] = None, own_session: bool = False
) -> Optional[str]:
    """The run_id of the run a create made, among its session's ``runs``: listed under the
    ``run_id`` the create asked for, else carrying its ``tag``, else (``own_session``: the
    client made the session up for this create, so no other request has runs in it) the newest
    run, whatever its metadata says (teams and workflows list None). None: the server has not
    (yet) made it. Re-sending the create is then safe: a server that honours run_id never made
    it, and the durable queue (which assigns its own ids) re-attaches a create with the same
    Idempotency-Key to the original run."""
    if run_id is not None and any(r.run_id == run_id for r in runs):
        return run_id
    if tag is not None:
        mine = [r for r in runs if _metadata(r).get(CREATE_TAG) == tag]
        if mine:
            return mine[0].run_id
    if own_session and runs:
        return max(runs, key=lambda r: r.created_timestamp or 0.0).run_id
    return None


def _metadata(run: RunOutput) -> Mapping[str, Any]:
    value = (run.model_extra or {}).get("metadata")
    return value if isinstance(value, Mapping) else {}


def open_resume(
    http: HTTPCore,
    runs_path: Sequence[str],
    run_id: str,
    session_id: Optional[str],
    last_event_index: Optional[int],
    *,
    retries: Optional[int] = None,
    options: Optional[Mapping[str, Any]] = None,
    fresh_connection: bool = False,
) -> Response:
    """Send one ``POST {runs_path}/{run_id}/resume``; its event stream (see `check_stream_response`)."""
    segments = [*runs_path, segment(run_id, "run_id"), "resume"]
    response = http.send(
        "POST",
        segments,
        form=encode_form({"last_event_index": last_event_index, "session_id": session_id}),
        stream=True,
        idempotent=True,
        retries=retries,
        fresh_connection=fresh_connection,
        **(options or {}),
    )
    return check_stream_response(response, f"POST /{'/'.join(segments)}")


class HTTPRunSource:
    """The `RunSource` of one stream, over ``http`` and ``runs_path`` (``["agents", id, "runs"]``).

    ``create`` re-sends the create; ``tag`` is the value of its CREATE_TAG; ``run_id`` the id it
    asked the server to give the run; ``own_session``: the client made the session up for this
    create (see `own_run`). ``label`` names the runnable in messages (``agent 'assistant'``).
    """

    def __init__(
        self,
        http: HTTPCore,
        runs_path: Sequence[str],
        *,
        entity_id: str,
        label: str,
        create: Optional[Callable[[], Response]] = None,
        tag: Optional[str] = None,
        own_session: bool = False,
        run_id: Optional[str] = None,
    ) -> None:
        #: The id the create asked the server to give its run: what ``locate`` looks for, and what
        #: the stream's messages name before the first event.
        self.requested_run_id = run_id
        #: Read by RunStream.cursor: the stream itself knows the run, not the runnable.
        self.entity_id = entity_id
        self._http = http
        self._runs_path: List[str] = list(runs_path)
        self._label = label
        self._create = create
        self._tag = tag
        self._own_session = own_session
        #: The stream's OpenTelemetry span (set by the client's tracing): current while a resume is sent.
        self.span: Any = None

    def resume(
        self, run_id: str, session_id: Optional[str], last_event_index: Optional[int], *, fresh: bool = False
    ) -> Response:
        tracing = self._http.observer.tracing
        with contextlib.nullcontext() if tracing is None else tracing.current(self.span):
            # The reconnect policy governs these retries; plain retries inside it would multiply them.
            return open_resume(
                self._http, self._runs_path, run_id, session_id, last_event_index, retries=0, fresh_connection=fresh
            )

    def locate(self, session_id: str) -> Optional[str]:
        try:
            data = self._http.json("GET", self._runs_path, params={"session_id": session_id})
        except errors.NotFoundError:
            return None  # the session does not exist: the create never got that far
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        runs = validate_list(RunOutput, data, f"Listing runs of {self._label}")
        return own_run(runs, run_id=self.requested_run_id, tag=self._tag, own_session=self._own_session)

    def recreate(self) -> Response:
        if self._create is None:
            raise errors.StreamError("This stream cannot re-send its create request.")
        return self._create()

    def get_run(self, run_id: str, session_id: Optional[str]) -> RunOutput:
        data = self._http.json(
            "GET",
            [*self._runs_path, segment(run_id, "run_id")],
            params={"session_id": session_id} if session_id else None,
        )
        return validate(RunOutput, data, "AgentOS")
