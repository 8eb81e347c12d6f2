"""The SSE relay shared by the Django and Flask helpers: a run stream in, browser-ready SSE bytes out.

Framework-free (the helpers wrap it in their response classes) so that it is tested once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import time
from typing import Any, Callable, Collection, Dict, FrozenSet, Generator, Iterator, Optional, Tuple, Type, Union

from pydantic import BaseModel

from .. import errors
from .._callables import call_sync as _call_sync
from .._callables import reject_async as _reject_async
from .._worker import StreamWorker
from ..cursors import RunCursor
from ..events import RunEvent, StreamMetaEvent
from ..streams import RunStream

__all__ = [
    "STREAM_HEADERS",
    "EventFilter",
    "SSERelay",
    "describe_error",
    "encode_frame",
    "error_frames",
    "parse_last_event_cursor",
    "parse_last_event_id",
]

logger = logging.getLogger("agentos_sync")

#: Which events a relay forwards: event classes (``events.RunContentEvent``), event type names
#: (``"RunContent"``), or a collection mixing both. None: all of them.
EventFilter = Union[None, str, Type[RunEvent], Collection[Union[str, Type[RunEvent]]]]

#: A relay's ``transform``: called with each forwarded event; returns what to send as the frame's
#: data (a RunEvent or pydantic model, anything ``json.dumps`` takes, or a str sent as is), or None
#: to drop the event. The frame keeps the event's type and ``event_index``.
Transform = Callable[[RunEvent], Any]

#: Sent when the relayed run produced nothing for ``keepalive`` seconds: proxies and browsers
#: would otherwise close an idle connection, and the server would not notice a browser gone away
#: (a write is what fails when the browser has left).
KEEPALIVE = b": keep-alive\n\n"

#: The headers of a relayed event stream: no cache may keep it, and no intermediary may transform
#: it (``no-transform``: compressing proxies and CDNs that honour it leave it alone); nginx, which
#: buffers a proxied answer unless told not to, passes each frame on at once (``X-Accel-Buffering``).
STREAM_HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def encode_frame(event: str, data: Any, event_id: Union[int, str, None] = None) -> bytes:
    """One SSE frame: ``id:`` (when given), ``event:``, then ``data:`` lines, then a blank line.

    ``data`` is a pydantic model (dumped as JSON without None fields), a str (sent as is, one
    ``data:`` line per line) or any JSON-serialisable value. Example:

    ```python
    encode_frame("RunContent", {"content": "Hi"}, 3) == b'id: 3\\nevent: RunContent\\ndata: {"content":"Hi"}\\n\\n'
    ```
    """
    if isinstance(data, BaseModel):
        payload = json.dumps(data.model_dump(mode="json", exclude_none=True), ensure_ascii=False, separators=(",", ":"))
    elif isinstance(data, str):
        payload = data
    else:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    lines = []
    if isinstance(event_id, str):
        lines.append(f"id: {_LINE_BREAK.sub('', event_id)}")  # a cursor string; never a second field
    elif event_id is not None:
        lines.append(f"id: {int(event_id)}")
    # A line break in a field name would end the field and let the rest forge another one.
    lines.append(f"event: {_LINE_BREAK.sub(' ', event)}")
    lines.extend(f"data: {line}" for line in _LINE_BREAK.split(payload))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


_EVENT_ID = re.compile(r"[0-9]{1,18}")


def parse_last_event_id(value: Any) -> Optional[int]:
    """The ``event_index`` a reconnecting browser last saw (its ``Last-Event-ID`` header), or None
    when absent or not a non-negative integer of ASCII digits. Never raises, whatever the value (a
    stale or forged header must not cause a 500): ``str.isdigit`` takes "²", which ``int`` refuses."""
    if not isinstance(value, str):
        return None
    match = _EVENT_ID.fullmatch(value.strip(" \t"))
    return int(match.group()) if match is not None else None


def parse_last_event_cursor(value: Optional[str]) -> Optional[RunCursor]:
    """The `RunCursor` a reconnecting browser sends back as its
    ``Last-Event-ID`` when the relay used ``cursor_ids=True``, or None when absent or not a valid
    cursor (a stale or forged header must not cause a 500)."""
    if value is None:
        return None
    try:
        return RunCursor.from_string(value)
    except ValueError:
        return None


# What a browser may be told about each failure: the reason in words a page can show, whether
# asking again can help, and what to do. Class texts, never str(exc): a connection error's text
# can name internal hosts and addresses.
_REASONS: Tuple[Tuple[Type[BaseException], str, bool, str], ...] = (
    (errors.APITimeoutError, "AgentOS did not answer in time.", True, "Try again in a moment."),
    (errors.APIConnectionError, "AgentOS could not be reached.", True, "Try again in a moment."),
    (
        errors.ReconnectExhaustedError,
        "The connection to AgentOS kept dropping; the run may still be going.",
        True,
        "Reload to pick the answer up where it stopped.",
    ),
    (
        errors.StreamInterruptedError,
        "The connection to AgentOS broke before the answer was complete.",
        True,
        "Ask again.",
    ),
    (errors.RunLostError, "AgentOS lost this run (it restarted while the run was going).", True, "Ask again."),
    (errors.RunNotFoundError, "AgentOS does not know this run any more.", True, "Ask again."),
    (errors.ProtocolError, "AgentOS sent an answer this page cannot read.", False, "Tell the site's operators."),
    (errors.RunFailedError, "The run failed.", True, "Ask again, or ask something else."),
)

_STATUS_HINTS = {
    400: (False, "The question was refused as sent; change it and ask again."),
    401: (False, "This site's AgentOS API key is missing or wrong; tell the site's operators."),
    403: (False, "This site's AgentOS API key may not do this; tell the site's operators."),
    404: (False, "Check the agent id this page asks, and the run id when resuming."),
    409: (True, "Try again in a moment."),
    422: (False, "The question was refused as sent; change it and ask again."),
    429: (True, "AgentOS is busy; try again in a moment."),
}


def describe_error(error: BaseException, *, expose: bool = False) -> Dict[str, Any]:
    """What a page may show about a failed run: ``error`` (the exception's class name), ``reason``
    (for a status error the server's own ``detail``, else a fixed sentence per class), ``retry``
    (whether asking again can help) and ``hint`` (what to do). ``status`` is added for status
    errors, and ``message`` (the exception's text, which may name internal hosts) only with
    ``expose=True``.

    Example:
        ```python
        describe_error(errors.NotFoundError("...", status_code=404, detail="Agent not found"))
        # {"error": "NotFoundError", "status": 404, "reason": "AgentOS answered 404: Agent not found.",
        #  "retry": False, "hint": "Check the agent id this page asks, and the run id when resuming."}
        ```
    """
    info: Dict[str, Any] = {"error": type(error).__name__}
    if isinstance(error, errors.APIStatusError):
        detail = error.detail if isinstance(error.detail, str) else json.dumps(error.detail, default=str)
        if detail is None or detail == "null":
            detail = "(no detail)"
        if len(detail) > 300:
            detail = detail[:300] + "..."
        retry, hint = _STATUS_HINTS.get(
            error.status_code,
            (True, "AgentOS failed; try again in a moment.") if error.status_code >= 500 else (False, ""),
        )
        reason = f"AgentOS answered {error.status_code}: {detail}"
        # A page shows the reason and the hint as one text: the reason ends its sentence.
        info.update(status=error.status_code, reason=reason if reason.endswith((".", "!", "?")) else reason + ".")
        info.update(retry=retry, hint=hint)
    else:
        for cls, reason, retry, hint in _REASONS:
            if isinstance(error, cls):
                info.update(reason=reason, retry=retry, hint=hint)
                break
        else:
            info.update(reason="The answer stopped because of an error on this site.", retry=False)
            info["hint"] = "Tell the site's operators."
    if expose:
        info["message"] = str(error)
    return info


def error_frames(error: BaseException, *, expose_errors: bool = False) -> Iterator[bytes]:
    """The SSE body of a run that failed before it started: the relay's opening comment, then its
    ``end`` frame with `describe_error`'s fields (``run_id`` and the other ids None).

    For a view that catches the error of ``run_agent_stream`` itself: an ``EventSource`` cannot
    read the body of a non-200 answer (it only fires ``error``), so the page would know nothing
    but "the connection failed"; answering 200 with this body lets it show the server's reason.
    """
    data: Dict[str, Any] = {"run_id": None, "session_id": None, "last_event_index": None, "terminal": None}
    data.update(describe_error(error, expose=expose_errors))
    yield b": stream open\n\n"
    yield encode_frame("end", data)


def _compile_filter(events: EventFilter) -> Optional[Callable[[RunEvent], bool]]:
    if events is None:
        return None
    items: Collection[Any] = (events,) if isinstance(events, (str, type)) else events
    names: set[str] = set()
    classes: list[type] = []
    for item in items:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, type) and issubclass(item, RunEvent):
            classes.append(item)
        else:
            raise TypeError(
                "events must be event classes (events.RunContentEvent), event type names ('RunContent') "
                f"or a collection of them; got {item!r}"
            )
    frozen_names: FrozenSet[str] = frozenset(names)
    class_tuple: Tuple[type, ...] = tuple(classes)

    def accept(ev: RunEvent) -> bool:
        return ev.event in frozen_names or isinstance(ev, class_tuple)

    return accept


class SSERelay:
    """An iterator of SSE bytes relaying one run stream to a browser; give it to a streaming
    response (the Django and Flask helpers do).

    Each forwarded event becomes ``id: <event_index>`` (when the event has one, so that a
    browser's ``EventSource`` reconnects with ``Last-Event-ID``), ``event: <type>`` and
    ``data: <the event as JSON>``. With ``cursor_ids=True`` the ``id:`` is the stream's cursor at
    that event (``RunCursor.to_string()``): the browser's ``Last-Event-ID`` then names the run and
    the index, so any process can resume it (``client.resume(parse_last_event_cursor(header))``)
    with no per-run state kept on the web server. While nothing is sent for ``keepalive`` seconds a
    ``: keep-alive`` comment goes out. The last frame is ``event: end`` with ``run_id``,
    ``session_id``, ``last_event_index``, ``terminal`` (the run's terminal event type) and, if the
    stream failed, what `describe_error` says: ``error`` (the exception's class name),
    ``reason`` (the server's detail, or a sentence a page can show), ``retry`` and ``hint``; the
    exception's text only with ``expose_errors=True``, since it may name internal hosts.

    The upstream stream is read on a worker thread (so keep-alives flow while it is silent) and is
    closed, returning its connection to the pool, when the relay ends or `close` is called:
    WSGI servers call it when the browser goes away, even before the first byte.

    Example:
        ```python
        relay = SSERelay(client.agents.stream("assistant", q, background=True), events=[RunContentEvent])
        for chunk in relay:
            wsgi_write(chunk)
        ```
    """

    def __init__(
        self,
        stream: RunStream,
        *,
        keepalive: Optional[float] = 15.0,
        events: EventFilter = None,
        transform: Optional[Transform] = None,
        include_meta: bool = False,
        retry: Optional[int] = None,
        expose_errors: bool = False,
        cursor_ids: bool = False,
    ) -> None:
        if keepalive is not None and (
            isinstance(keepalive, bool) or not isinstance(keepalive, (int, float)) or not keepalive > 0
        ):
            raise ValueError(f"keepalive must be seconds > 0, or None for no keep-alives; got {keepalive!r}")
        if retry is not None and (isinstance(retry, bool) or not isinstance(retry, int) or retry < 0):
            raise ValueError(f"retry must be milliseconds as an int >= 0, got {retry!r}")
        _reject_async(transform, "transform")
        if not hasattr(stream, "__next__") or not callable(getattr(stream, "close", None)):
            raise TypeError(f"stream must be a RunStream, got {type(stream).__name__}")
        if getattr(stream, "closed", False):
            raise errors.StreamError(
                "This stream is already closed; a relay needs an open stream (open a new one, or "
                "resume_*_run_stream with its run_id).",
                run_id=getattr(stream, "run_id", None),
                session_id=getattr(stream, "session_id", None),
                last_event_index=getattr(stream, "last_event_index", None),
            )
        self.stream = stream
        self._keepalive = None if keepalive is None else float(keepalive)
        self._accept = _compile_filter(events)
        self._transform = transform
        self._include_meta = include_meta
        self._retry = retry
        self._expose_errors = expose_errors
        self._cursor_ids = cursor_ids
        self._cursor: Optional[RunCursor] = None
        self._closed = False
        #: How many event frames were sent.
        self.sent = 0
        self._gen = self._frames()

    def __iter__(self) -> SSERelay:
        return self

    def __next__(self) -> bytes:
        return next(self._gen)

    def close(self) -> None:
        """Stop relaying and close the upstream stream. Idempotent."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ValueError):  # ValueError: closed from another thread mid-next
            self._gen.close()
        self.stream.close()

    # -- frames ----------------------------------------------------------------------------

    def _frames(self) -> Generator[bytes, None, None]:
        worker = StreamWorker(self.stream, maxsize=256, name=f"agentos_sync-relay-{self.stream.run_id or 'new'}")
        outcome = "stopped"
        try:
            # Sent at once so that the browser (and any proxy) sees the stream open before the
            # run's first event, which may take a while.
            yield f"retry: {self._retry}\n\n".encode() if self._retry is not None else b": stream open\n\n"
            last_write = time.monotonic()
            error: Optional[BaseException] = None
            while True:
                wait = None if self._keepalive is None else max(0.0, self._keepalive - (time.monotonic() - last_write))
                try:
                    event = worker.get(timeout=wait)
                except queue.Empty:
                    yield KEEPALIVE
                    last_write = time.monotonic()
                    continue
                except Exception as exc:
                    error = exc
                    break
                if event is None:
                    break
                frame = self._frame(event)
                if frame is not None:
                    self.sent += 1
                    yield frame
                    last_write = time.monotonic()
            if error is not None:
                logger.warning(
                    "relay of run %s ended by %s: %s (last_event_index %s)",
                    self.stream.run_id,
                    type(error).__name__,
                    error,
                    self.stream.last_event_index,
                )
            outcome = "failed" if error is not None else "completed"
            yield encode_frame("end", self._end_data(error))
        except GeneratorExit:
            outcome = "closed early (the client went away)"
            raise
        except BaseException as exc:
            outcome = f"stopped by {type(exc).__name__}"
            raise
        finally:
            worker.cancel()
            logger.debug("relay of run %s %s after %d event frames", self.stream.run_id, outcome, self.sent)

    def _frame(self, event: RunEvent) -> Optional[bytes]:
        if isinstance(event, StreamMetaEvent) and not self._include_meta:
            return None
        if self._accept is not None and not self._accept(event):
            return None
        data: Any = event
        if self._transform is not None:
            data = _call_sync(self._transform, "transform", event)
            if data is None:
                return None
        return encode_frame(event.event, data, self._event_id(event))

    def _event_id(self, event: RunEvent) -> Union[int, str, None]:
        index = event.event_index
        if not self._cursor_ids or index is None:
            return index
        # The stream is read ahead on the worker thread: its own cursor may already be past this
        # event, so the frame's cursor is the run's cursor at this event's index.
        if self._cursor is None:
            self._cursor = self.stream.cursor
        return self._cursor.after(index).to_string()

    def _end_data(self, error: Optional[BaseException]) -> Dict[str, Any]:
        stream = self.stream
        terminal = stream.terminal_event
        data: Dict[str, Any] = {
            "run_id": stream.run_id,
            "session_id": stream.session_id,
            "last_event_index": stream.last_event_index,
            "terminal": terminal.event if terminal is not None else None,
        }
        if error is not None:
            data.update(describe_error(error, expose=self._expose_errors))
        return data
