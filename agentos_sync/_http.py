"""The client's HTTP core: URLs, headers, form encoding, retries, status -> exception, JSON.

Knows the transport interface and the error table, nothing of runs or events.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ValidationError

from . import __version__, errors
from .retry import request_retrying
from .transports.base import FileField, Request, Response, Timeout, Transport

logger = logging.getLogger("agentos_sync")

#: How much of an error body is read to find its ``detail``: an HTML error page can be large.
_ERROR_BODY_LIMIT = 64 * 1024

TimeoutArg = Union[float, int, Tuple[float, float], None]

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


def normalize_timeout(timeout: TimeoutArg, name: str = "timeout") -> Timeout:
    """``float`` or ``(connect, read)`` -> ``(connect, read)``, rejecting nonsense by name."""
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            raise ValueError(f"{name} must be a number or a (connect, read) pair, got {timeout!r}")
        pair = timeout
    elif timeout is None:
        raise ValueError(f"{name} must be a number of seconds or a (connect, read) pair; None would wait forever")
    else:
        pair = (timeout, timeout)
    for part in pair:
        if isinstance(part, bool) or not isinstance(part, (int, float)):
            raise TypeError(f"{name} must be seconds as int/float, got {part!r}")
        if not math.isfinite(part) or part <= 0:
            raise ValueError(f"{name} must be finite and > 0 seconds, got {part!r}")
    return (float(pair[0]), float(pair[1]))


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
            form[key] = value
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


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def error_detail(body: bytes, content_type: str) -> Any:
    """The ``detail`` of an error body: JSON's ``detail`` (or the whole JSON), else readable text."""
    text = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "detail" in parsed:
        return parsed["detail"]
    if parsed is not None:
        return parsed
    if "html" in content_type.lower() or text.lstrip().startswith("<"):
        text = _TAG.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    return text[:300] or None


class HTTPCore:
    """Sends requests for the client: one place for headers, retries and the error table."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Optional[str],
        timeout: Timeout,
        max_retries: int,
        transport: Transport,
        headers: Optional[Mapping[str, str]],
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.transport = transport
        base_headers = {"User-Agent": f"agentos-sync/{__version__}", "Accept": "application/json"}
        for key, value in (headers or {}).items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError("headers must map str to str")
            base_headers[key] = value
        if api_key is not None:
            base_headers["Authorization"] = f"Bearer {api_key}"
        self._headers = base_headers
        self._closed = False
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.transport.close()

    @property
    def closed(self) -> bool:
        return self._closed

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
        timeout: Optional[Timeout] = None,
        fresh_connection: bool = False,
    ) -> Response:
        """Send with retries; returns a 2xx response, raises an ``errors`` exception otherwise."""
        if self._closed:
            raise RuntimeError("This AgentOSClient is closed; create a new one.")
        all_headers = dict(self._headers)
        if stream:
            all_headers["Accept"] = "text/event-stream"
        if headers:
            all_headers.update(headers)
        request = Request(
            method=method,
            url=self.url(*segments),
            headers=all_headers,
            params={k: v for k, v in params.items() if v is not None} if params else None,
            form=form,
            json=json_body,
            files=files,
            stream=stream,
            timeout=timeout or self.timeout,
            fresh_connection=fresh_connection,
        )
        retrying = request_retrying(
            self.max_retries if retries is None else retries,
            idempotent=method in ("GET", "HEAD", "DELETE") if idempotent is None else idempotent,
        )
        return retrying(self._send_once, request)

    def _send_once(self, request: Request) -> Response:
        logger.debug("agentos_sync: %s %s", request.method, request.url)
        response = self.transport.send(request)
        status = response.status_code
        if 200 <= status < 300:
            return response
        try:
            body = self._read_limited(response)
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
        detail = error_detail(body, content_type)
        raise errors.make_status_error(
            status, detail, method=request.method, path=path, response=response, request=request
        )

    @staticmethod
    def _read_limited(response: Response) -> bytes:
        parts = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                parts.append(chunk)
                size += len(chunk)
                if size >= _ERROR_BODY_LIMIT:
                    break
        except errors.AgentOSError:
            pass  # the status is the news; a broken error body must not hide it
        return b"".join(parts)[:_ERROR_BODY_LIMIT]

    def json(self, method: str, segments: Sequence[str], **kwargs: Any) -> Any:
        """Send and parse a JSON answer (None for an empty body)."""
        response = self.send(method, segments, **kwargs)
        try:
            body = response.read()
        finally:
            response.close()
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError as exc:
            content_type = response.headers.get("content-type", "?")
            snippet = error_detail(body[:2000], str(content_type))
            raise errors.ProtocolError(
                f"{method} /{'/'.join(segments)} answered {response.status_code} with {content_type}, not "
                f"JSON: {snippet!r}. Is base_url an AgentOS server (not a proxy's error page)?"
            ) from exc
