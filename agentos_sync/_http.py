"""The client's HTTP core: URLs, headers, form encoding, retries, status -> exception, JSON.

Knows the transport interface and the error table, nothing of runs or events.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ValidationError

from . import errors
from ._observe import REQUEST_ID_HEADER, Observer, check_event_hooks, new_request_id, request_id_of
from ._version import __version__
from .retry import RetryPolicy, deadline_after, remaining
from .transports.base import DEFAULT_MAX_CHUNK_BYTES, FileField, Request, Response, Transport

logger = logging.getLogger("agentos_sync")

#: How much of an error body is read to find its ``detail``: an HTML error page can be large.
_ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Timeout:
    """How long a call may take: ``connect`` and ``read`` seconds (``read`` is the longest silence
    allowed between bytes), and an optional ``total`` for the call as a whole.

    ``total`` covers every attempt of a plain call, the waits between retries and the
    ``Retry-After`` waits a server asks for: no wait is slept past it, each attempt's connect and
    read timeouts are cut to what remains, and when it runs out the call raises
    `APITimeoutError` (or, when a wait the server asks for would end past
    it, the server's own error at once). For a stream it bounds the request up to the response
    headers, and the stream's reads keep the read timeout it was sent with; the stream's
    ``deadline=`` bounds its events. Named as in urllib3 (``Timeout(connect=, read=, total=)``).

    Example:
        ```python
        client = AgentOSClient(url, timeout=Timeout(connect=5, read=60, total=120))
        client.get_config(timeout=Timeout(connect=2, read=5, total=10))   # per call
        ```
    """

    connect: float = 10.0
    read: float = 300.0
    total: Optional[float] = None

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if value is None and name == "total":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"Timeout.{name} must be seconds as int/float, got {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"Timeout.{name} must be finite and > 0 seconds, got {value!r}")
            object.__setattr__(self, name, float(value))

    @property
    def pair(self) -> Tuple[float, float]:
        """``(connect, read)``, what a transport is given."""
        return (self.connect, self.read)


TimeoutArg = Union[float, int, Tuple[float, float], Timeout, None]

M = TypeVar("M", bound=BaseModel)


def validate(model: Type[M], data: Any, what: str) -> M:
    """JSON -> model, the one boundary where the server's answers become typed; a body of the
    wrong shape is a ProtocolError, never a bare pydantic error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = exc.errors()
        where = ".".join(str(p) for p in details[0]["loc"]) if details else "body"
        msg = details[0]["msg"] if details else str(exc)
        raise errors.ProtocolError(
            f"{what} answered with a {model.__name__} this client cannot read ({where}: {msg}); "
            "is the server an AgentOS of a supported version?"
        ) from exc


def validate_list(model: Type[M], data: Any, what: str) -> List[M]:
    """A JSON list -> models (`validate` for each); anything but a list is a ProtocolError
    naming ``what`` (the request, e.g. ``"GET /agents"``)."""
    if not isinstance(data, list):
        raise errors.ProtocolError(f"{what} did not return a list: {str(data)[:200]!r}")
    return [validate(model, item, "AgentOS") for item in data]


def normalize_timeout(timeout: TimeoutArg, name: str = "timeout") -> Timeout:
    """``float``, ``(connect, read)`` or a `Timeout` -> a `Timeout`, rejecting
    nonsense by name."""
    if isinstance(timeout, Timeout):
        return timeout
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            raise ValueError(f"{name} must be a number, a (connect, read) pair or a Timeout, got {timeout!r}")
        pair = timeout
    elif timeout is None:
        raise ValueError(
            f"{name} must be a number of seconds, a (connect, read) pair or a Timeout; None would wait forever"
        )
    else:
        pair = (timeout, timeout)
    for part in pair:
        if isinstance(part, bool) or not isinstance(part, (int, float)):
            raise TypeError(f"{name} must be seconds as int/float, got {part!r}")
        if not math.isfinite(part) or part <= 0:
            raise ValueError(f"{name} must be finite and > 0 seconds, got {part!r}")
    return Timeout(connect=float(pair[0]), read=float(pair[1]))


def normalize_base_url(base_url: str) -> str:
    """Validate ``base_url``: http(s) scheme and a host. A path is kept as a prefix (an AgentOS
    mounted under ``/os`` behind a proxy); query strings, fragments and credentials are refused."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str like 'http://localhost:7777', got {type(base_url).__name__}")
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url must start with http:// or https:// and name a host, e.g. 'http://localhost:7777'; "
            f"got {base_url!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must not carry a query string or fragment: {base_url!r}")
    if "@" in parts.netloc:
        raise ValueError("base_url must not carry credentials; pass api_key= instead")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise ValueError(f"base_url has an invalid port: {base_url!r}") from exc
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def segment(value: Any, name: str) -> str:
    """One URL path segment from a caller's id, quoted so that it can never change the path."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value or value.strip() != value or value in (".", ".."):
        raise ValueError(f"{name} must be a non-empty id without surrounding spaces, not {value!r}")
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"{name} must not contain control characters: {value!r}")
    return quote(value, safe="")


def _utf8_text(key: str, value: str) -> str:
    """The value, if UTF-8 can encode it; a lone surrogate (text decoded with ``surrogateescape``,
    a JSON ``\\ud800`` escape) would otherwise fail inside requests with a bare UnicodeEncodeError."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{key} holds a lone surrogate {value[exc.start]!r} at index {exc.start}, which UTF-8 cannot "
            "encode (text decoded with errors='surrogateescape'?): clean it first, e.g. "
            "text.encode('utf-8', 'replace').decode('utf-8')"
        ) from None
    return value


def encode_form(fields: Mapping[str, Any]) -> Dict[str, str]:
    """Form-encode run fields the way AgentOS reads them: booleans as ``true``/``false``, dicts and
    lists as JSON, None omitted."""
    form: Dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            form[key] = "true" if value else "false"
        elif isinstance(value, str):
            form[key] = _utf8_text(key, value)
        elif isinstance(value, (int, float)):
            form[key] = str(value)
        elif isinstance(value, (dict, list, tuple)):
            try:
                form[key] = json.dumps(value)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{key} must be JSON-serialisable: {exc}") from exc
        elif hasattr(value, "model_dump"):
            form[key] = json.dumps(value.model_dump(mode="json", exclude_none=True))
        else:
            raise TypeError(f"{key} must be a str, number, bool, dict or list, got {type(value).__name__}")
    return form


_SPACE = re.compile(r"\s+")


class _PageText(HTMLParser):
    """The words a person sees on an HTML page: what is inside ``<head>`` (the title aside),
    ``<script>``, ``<style>`` and ``<template>`` is no text. A gateway's branded error page is
    mostly CSS and JavaScript around one sentence; the sentence is what an error should quote.
    Written on the standard library's tolerant parser: a page is never refused, only read."""

    _HIDDEN = frozenset({"head", "script", "style", "template", "noscript", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: List[str] = []
        self.title: List[str] = []
        self._hidden: List[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._HIDDEN:
            self._hidden.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._hidden:
            while self._hidden and self._hidden.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden:
            self.words.append(data)


def page_text(html: str, limit: int = 300) -> str:
    """One line of readable text from an HTML page (its body's words, else its title)."""
    parser = _PageText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        pass
    text = _SPACE.sub(" ", " ".join(parser.words)).strip() or _SPACE.sub(" ", " ".join(parser.title)).strip()
    return text[:limit]


def read_error(body: bytes, content_type: str) -> Tuple[Any, bool]:
    """An error body's ``detail`` and whether AgentOS wrote it (its JSON errors are objects with a
    ``detail``: agno's exception handlers answer every error that way). Any other body is some
    other party's answer, quoted as one line of readable text."""
    text = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "detail" in parsed:
        return parsed["detail"], True
    if parsed is not None:
        return parsed, False
    if "html" in content_type.lower() or text.lstrip().startswith("<"):
        text = page_text(text)
    text = _SPACE.sub(" ", text).strip()
    return text[:300] or None, False


def error_detail(body: bytes, content_type: str) -> Any:
    """The ``detail`` of an error body: JSON's ``detail`` (or the whole JSON), else readable text."""
    return read_error(body, content_type)[0]


_TOKEN = re.compile(r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")


def check_headers(headers: Optional[Mapping[str, str]], name: str = "headers") -> Dict[str, str]:
    """A caller's headers, refused by name when they are not str -> str or could split the header
    section (CR, LF or NUL in a value): requests would raise a requests error much later."""
    if headers is not None and not isinstance(headers, Mapping):
        raise TypeError(f"{name} must map str to str, got {type(headers).__name__}")
    checked: Dict[str, str] = {}
    for key, value in (headers or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"{name} must map str to str, got {key!r}: {type(value).__name__}")
        if not _TOKEN.fullmatch(key):
            raise ValueError(f"{name} has an invalid header name {key!r}")
        if any(c in value for c in "\r\n\0"):
            raise ValueError(f"{name}[{key!r}] must not contain CR, LF or NUL")
        checked[key] = value
    return checked


def read_limited(response: Response, limit: int = _ERROR_BODY_LIMIT) -> bytes:
    """At most ``limit`` bytes of a body nobody asked for (an error page, a non-SSE answer to a
    stream): the rest is never read, the response is left for the caller to close."""
    parts = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            parts.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except errors.AgentOSError:
        pass  # what the body was meant to explain is the news; a broken body must not hide it
    return b"".join(parts)[:limit]


def _server_header(response: Response) -> Optional[str]:
    server = response.headers.get("server")
    return f"Server: {str(server)[:60]}" if server else None


class _Pool:
    """The transport a client and the clients derived from it (``with_options``) share: closed
    once, by the client that made it."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.closed = False
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
        self.transport.close()


class HTTPCore:
    """Sends requests for the client: one place for headers, retries, time bounds and the error
    table."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Optional[str],
        timeout: Union[Timeout, Tuple[float, float]],
        retry: RetryPolicy,
        transport: Transport,
        headers: Optional[Mapping[str, str]],
        max_event_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
        observer: Optional[Observer] = None,
        pool: Optional[_Pool] = None,
    ) -> None:
        self.base_url = base_url
        #: The client-wide default; a call's ``timeout=`` replaces it whole.
        self.limits = normalize_timeout(timeout)
        self.timeout = self.limits.pair
        self.retry = retry
        self.transport = transport
        #: Bounds one chunk of a chunked answer (a stream sends one frame per chunk).
        self.max_event_bytes = max_event_bytes
        base_headers = {"User-Agent": f"agentos-sync/{__version__}", "Accept": "application/json"}
        base_headers.update(check_headers(headers))
        if api_key is not None:
            base_headers["Authorization"] = f"Bearer {api_key}"
        self._headers = base_headers
        #: The client's headers name their own request id: every request sends that one.
        self._own_request_id = request_id_of(base_headers) is not None
        self.observer = observer or Observer(
            base_url=base_url, event_hooks=check_event_hooks(None), secret_headers=frozenset()
        )
        self.observer.check_headers = check_headers
        self.secret_headers = self.observer.secret_headers
        # A derived client (with_options) shares its parent's pool and never closes it.
        self._owns_pool = pool is None
        self.pool = pool or _Pool(transport)
        self._closed = False
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._owns_pool:
            self.pool.close()

    @property
    def closed(self) -> bool:
        return self._closed or self.pool.closed

    def url(self, *segments: str) -> str:
        return self.base_url + "/" + "/".join(segments)

    def send(
        self,
        method: str,
        segments: Sequence[str],
        *,
        params: Optional[Mapping[str, Union[str, List[str]]]] = None,
        form: Optional[Mapping[str, str]] = None,
        json_body: Any = None,
        files: Optional[Sequence[FileField]] = None,
        stream: bool = False,
        idempotent: Optional[bool] = None,
        retries: Optional[int] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Union[Timeout, Tuple[float, float], None] = None,
        max_chunk_bytes: Optional[int] = None,
        deadline: Optional[float] = None,
        fresh_connection: bool = False,
    ) -> Response:
        """Send with retries; returns a 2xx response, raises an ``errors`` exception otherwise.

        ``timeout`` (a `Timeout` or a ``(connect, read)`` pair) replaces the client's for
        this call; ``headers`` are added to (and override) the client's; ``max_chunk_bytes``
        bounds one chunk of the answer (default: the client's ``max_event_bytes``). ``deadline``
        is the ``retry.deadline_after(total)`` reading the call ends at, when the caller needs it
        too (to bound its reading of the body); by default the timeout's ``total`` from now."""
        if self._closed or self.pool.closed:
            raise RuntimeError("This AgentOSClient is closed; create a new one.")
        limits = self.limits if timeout is None else normalize_timeout(timeout)
        all_headers = dict(self._headers)
        if stream:
            all_headers["Accept"] = "text/event-stream"
            # requests offers gzip by default; a gateway that compresses event streams (nginx's
            # "gzip on" with buffering) then holds the whole stream until its end (first event
            # after 1 s instead of 5-17 ms, measured: docs/deployments.md). Events are small and
            # already arrive as they are made: compression is kept for plain JSON calls only.
            all_headers["Accept-Encoding"] = "identity"
        if headers:
            all_headers.update(check_headers(headers, "extra_headers"))
            if not self._own_request_id and request_id_of(headers) is None:
                all_headers[REQUEST_ID_HEADER] = new_request_id()
        elif not self._own_request_id:
            all_headers[REQUEST_ID_HEADER] = new_request_id()
        request = Request(
            method=method,
            url=self.url(*segments),
            headers=all_headers,
            params={k: v for k, v in params.items() if v is not None} if params else None,
            form=form,
            json=json_body,
            files=files,
            stream=stream,
            timeout=limits.pair,
            max_chunk_bytes=self.max_event_bytes if max_chunk_bytes is None else max_chunk_bytes,
            fresh_connection=fresh_connection,
            secret_headers=self.secret_headers,
        )
        if deadline is None:
            deadline = deadline_after(limits.total)
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "DELETE")
        attempts = [0]

        def once() -> Response:
            attempts[0] += 1
            return self._send_once(request, limits, deadline, idempotent, attempts[0])

        try:
            return self.retry.call(once, idempotent=idempotent, deadline=deadline, retries=retries)
        except errors.AgentOSError as exc:
            # The retry loop's frames (tenacity, concurrent.futures) between the caller and the
            # failure are nothing a caller can act on: the traceback starts here again. What
            # caused the error stays chained (__cause__), and the message says what happened.
            raise exc.with_traceback(None) from exc.__cause__

    def _out_of_time(self, request: Request, limits: Timeout, reached_server: bool) -> errors.APITimeoutError:
        path = request.url[len(self.base_url) :] or "/"
        return errors.APITimeoutError(
            f"{request.method} {path} did not complete within its total timeout of {limits.total:g} s "
            "(attempts, retries and Retry-After waits included); raise Timeout(total=...) or check the server.",
            request=request,
            reached_server=reached_server,
        )

    def _send_once(
        self, request: Request, limits: Timeout, deadline: Optional[float], idempotent: bool, attempt: int = 1
    ) -> Response:
        clipped = (False, False)
        if deadline is not None:
            left = remaining(deadline)
            if left <= 0:
                raise self._out_of_time(request, limits, reached_server=False)
            clipped = (left < limits.connect, left < limits.read)
            if any(clipped):
                request = replace(request, timeout=(min(limits.connect, left), min(limits.read, left)))
        observer = self.observer
        try:
            if observer.active():
                response = observer.exchange(self.transport.send, request, attempt)
            else:
                response = self.transport.send(request)
        except errors.APITimeoutError as exc:
            # A connect timeout is reached_server=False, a read timeout True: when the one that
            # fired was cut to what remained of the total, the total is what ran out.
            if clipped[0] if not exc.reached_server else clipped[1]:
                raise self._out_of_time(request, limits, exc.reached_server) from exc
            raise
        status = response.status_code
        if 200 <= status < 300:
            return response
        try:
            body = read_limited(response)
        finally:
            response.close()
        content_type = str(response.headers.get("content-type", ""))
        path = request.url[len(self.base_url) :] or "/"
        if 300 <= status < 400:
            location = response.headers.get("location", "?")
            raise errors.APIStatusError(
                f"{request.method} {path} was redirected ({status}) to {location}; set base_url to the "
                "server's final address (the client does not re-send runs or credentials elsewhere).",
                status_code=status,
                detail=location,
                response=response,
                request=request,
            )
        detail, from_agentos = read_error(body, content_type)
        raise errors.make_status_error(
            status,
            detail,
            method=request.method,
            path=path,
            response=response,
            request=request,
            from_agentos=from_agentos,
            idempotent=idempotent,
            answered_by=None if from_agentos else _server_header(response),
            proxy=None if from_agentos else self._proxy_for(request.url),
        )

    def _proxy_for(self, url: str) -> Optional[str]:
        """The forward proxy a request went through, for a transport that knows (``proxy_for``)."""
        proxy_for = getattr(self.transport, "proxy_for", None)
        return proxy_for(url) if callable(proxy_for) else None

    def json(self, method: str, segments: Sequence[str], **kwargs: Any) -> Any:
        """`_json` inside a span for the call when OpenTelemetry is configured."""
        tracing = self.observer.tracing
        if tracing is None or not tracing.enabled():
            return self._json(method, segments, **kwargs)
        with tracing.call(method, self.url(*segments)) as span:
            data = self._json(method, segments, **kwargs)
            tracing.annotate(span, data)
            return data

    def _json(
        self,
        method: str,
        segments: Sequence[str],
        *,
        timeout: Union[Timeout, Tuple[float, float], None] = None,
        **kwargs: Any,
    ) -> Any:
        """Send (with `send`'s arguments) and parse a JSON answer (None for an empty body).
        A total timeout also bounds the reading of the body."""
        limits = self.limits if timeout is None else normalize_timeout(timeout)
        deadline = deadline_after(limits.total)
        response = self.send(method, segments, timeout=limits, deadline=deadline, **kwargs)
        content_type = str(response.headers.get("content-type", "?"))
        try:
            if "text/html" in content_type.lower():
                body = read_limited(response)  # a page can never be the answer: quote it, bounded
            elif deadline is None:
                body = response.read()
            else:
                parts = []
                for part in response.iter_bytes():
                    parts.append(part)
                    if remaining(deadline) <= 0:  # a body trickling in: each read is timely
                        raise self._out_of_time(Request(method, self.url(*segments)), limits, reached_server=True)
                body = b"".join(parts)
        finally:
            response.close()
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError as exc:
            snippet = error_detail(body[:2000], content_type)
            raise errors.ProtocolError(
                f"{method} /{'/'.join(segments)} answered {response.status_code} with {content_type}, not "
                f"JSON, so the answer does not look like AgentOS: {snippet!r}. Check that base_url is the "
                "AgentOS server's address (not a proxy's or another server's page)."
            ) from exc
