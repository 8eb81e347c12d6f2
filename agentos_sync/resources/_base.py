"""The base of every resource (``client.agents``, ``client.sessions``, ...): the per-call options
they share, the verbs that send a request and type its answer, and query parameters as AgentOS
reads them.

A resource is a small class over the client's one `HTTPCore` (as openai-python's
``SyncAPIResource``): it builds one area's requests and turns the answers into models, and holds
nothing else. A new AgentOS area is one more module in ``resources/``, one more subclass and one
more attribute on `AgentOSClient` (see docs/architecture.md, "Adding an area").

Example, a new area:

```python
class Memories(APIResource):
    name = "memories"

    def get(self, memory_id: str, **options: Unpack[CallOptions]) -> Memory:
        return self._get(["memories", segment(memory_id, "memory_id")], cast_to=Memory, options=options)
```
"""

from __future__ import annotations

import difflib
import functools
import inspect
import sys
from datetime import date, datetime
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Type,
    TypedDict,
    Union,
    cast,
    overload,
)

from .._http import HTTPCore, M, TimeoutArg, check_headers, normalize_timeout, segment, validate, validate_list
from ..pagination import SyncPage, check_page, load_page

__all__ = ["APIResource", "CallOptions", "id_list", "non_empty", "query", "text", "unknown_keyword"]

Query = Dict[str, Union[str, List[str]]]


class CallOptions(TypedDict, total=False):
    """Options every public method takes, for this call only.

    ``timeout``: seconds or ``(connect, read)``, instead of the client's (on a stream: its create
    or resume request, and so the longest silence it tolerates). ``extra_headers``: headers added
    to this request (they win over the client's).
    """

    timeout: TimeoutArg
    extra_headers: Optional[Mapping[str, str]]


_OPTION_NAMES = frozenset(CallOptions.__annotations__)


class _Send(Protocol):
    """A verb of `APIResource` (``self._get(path, cast_to=Memory, params=..., options=options)``):
    typed as ``cast_to`` when given, the JSON as it came otherwise."""

    @overload
    def __call__(self, path: Sequence[str], *, cast_to: Type[M], options: Mapping[str, Any], **send: Any) -> M: ...

    @overload
    def __call__(
        self, path: Sequence[str], *, cast_to: None = None, options: Mapping[str, Any], **send: Any
    ) -> Any: ...


class APIResource:
    """One AgentOS area over the client's shared HTTP core.

    The verbs (`_get`, `_post`, `_put`, `_patch`, `_delete`, `_get_list`, `_page`) send one request
    with the call's options and type the answer with ``cast_to``: the one place an area's JSON
    becomes its models (``validate``: a wrong shape is a ``ProtocolError``, never a bare pydantic
    error).
    """

    #: The client attribute this resource is (``sessions``), for messages.
    name = "resource"

    def __init__(self, http: HTTPCore) -> None:
        self._http = http
        self._get = cast(_Send, functools.partial(self._request, "GET"))
        self._post = cast(_Send, functools.partial(self._request, "POST"))
        self._put = cast(_Send, functools.partial(self._request, "PUT"))
        self._patch = cast(_Send, functools.partial(self._request, "PATCH"))
        self._delete = cast(_Send, functools.partial(self._request, "DELETE"))

    @overload
    def _request(
        self, method: str, path: Sequence[str], *, cast_to: Type[M], options: Mapping[str, Any], **send: Any
    ) -> M: ...

    @overload
    def _request(
        self, method: str, path: Sequence[str], *, cast_to: None = None, options: Mapping[str, Any], **send: Any
    ) -> Any: ...

    def _request(
        self,
        method: str,
        path: Sequence[str],
        *,
        cast_to: Optional[Type[M]] = None,
        options: Mapping[str, Any],
        **send: Any,
    ) -> Any:
        """Send ``method path`` (``send``: `HTTPCore.send`'s ``params``, ``json_body``, ``form``,
        ``files``, ``idempotent``) and return its JSON, typed as ``cast_to`` when given."""
        data = self._send_json(method, path, send, options)
        return data if cast_to is None else validate(cast_to, data, "AgentOS")

    def _send_json(self, method: str, path: Sequence[str], send: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        """Every verb's request: an area whose errors need its own words overrides this one."""
        return self._http.json(method, path, **send, **self._options(options))

    def _get_list(self, path: Sequence[str], *, cast_to: Type[M], options: Mapping[str, Any], **send: Any) -> List[M]:
        """A JSON list of ``cast_to``; anything else is a ``ProtocolError`` naming the request."""
        data = self._send_json("GET", path, send, options)
        return validate_list(cast_to, data, "GET /" + "/".join(path))

    def _page(
        self,
        method: str,
        path: Sequence[str],
        *,
        cast_to: Type[M],
        page: int,
        limit: Optional[int],
        options: Mapping[str, Any],
        params: Optional[Query] = None,
        json_body: Optional[Dict[str, Any]] = None,
    ) -> SyncPage[M]:
        """One page of a list (``page``, ``limit`` >= 1), as a `SyncPage` that fetches the pages
        after it with the same filters and options. The page number goes where the route reads it:
        the query, or the body of a search sent as JSON."""
        check_page(limit, page)
        self._options(options)  # a typo in the options fails here, before anything is sent

        def fetch(number: int) -> Any:
            if json_body is not None:
                send = {"params": params, "json_body": {**json_body, "page": number}, "idempotent": True}
                return self._send_json(method, path, send, options)
            return self._send_json(method, path, {"params": {**(params or {}), "page": text(number)}}, options)

        return load_page(cast_to, f"{method} /{'/'.join(path)}", fetch, page)

    def _options(self, options: Mapping[str, Any]) -> Dict[str, Any]:
        """``CallOptions`` -> the keyword arguments of ``HTTPCore.send``/``json``. A name that is
        not an option is a keyword the public method does not take: a TypeError naming the nearest
        of its parameters and the options (a typo must not pass silently)."""
        for key in options:
            if key not in _OPTION_NAMES:
                method = self._public_caller()
                params = inspect.signature(method).parameters if method is not None else {}
                label = f"{self.name}.{getattr(method, '__name__', 'method')}()"
                raise unknown_keyword(label, key, _OPTION_NAMES | {p for p in params if p != "options"})
        out: Dict[str, Any] = {}
        timeout = options.get("timeout")
        if timeout is not None:
            out["timeout"] = normalize_timeout(timeout)
        headers = options.get("extra_headers")
        if headers is not None:
            out["headers"] = check_headers(headers, "extra_headers")
        return out

    def _public_caller(self) -> Optional[Callable[..., Any]]:
        """The public method of this resource the current call came through, for the message of an
        unknown keyword: the innermost frame running one of this resource's public methods. Read
        from the stack (only on that error) so that no verb call has to name its method."""
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_name
            if (
                not name.startswith("_")
                and frame.f_locals.get("self") is self
                and callable(getattr(type(self), name, None))
            ):
                return getattr(self, name)  # type: ignore[no-any-return]
            frame = frame.f_back  # type: ignore[assignment]
        return None


def text(value: Any) -> str:
    """One query value as AgentOS parses it: enums by value, booleans lower-case, dates ISO."""
    value = getattr(value, "value", value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def query(**values: Any) -> Query:
    """Query parameters without the Nones (the server's defaults apply), each as text."""
    return {k: text(v) for k, v in values.items() if v is not None}


def non_empty(value: Any, name: str) -> str:
    """``value``, checked to be a non-empty str before anything is sent (``ValueError`` if not)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty str, got {value!r}")
    return value


def id_list(ids: Any, name: str) -> List[str]:
    """A non-empty list of ids for a bulk delete, each checked as a path id would be."""
    if isinstance(ids, str):
        raise TypeError(f"{name} must be a list of ids, not one str")
    out = list(ids)
    if not out:
        raise ValueError(f"{name} must not be empty")
    for item in out:
        segment(item, f"{name}[]")
    return out


def unknown_keyword(what: str, name: str, known: Collection[str], hint: str = "") -> TypeError:
    """The TypeError for a keyword a method does not take: it names the keyword and the nearest
    known one, so a typo (``sesion_id``) fails loudly instead of reaching the server."""
    nearest: List[str] = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    suggestion = f"; did you mean {nearest[0]!r}?" if nearest else "."
    return TypeError(f"{what} got an unexpected keyword argument {name!r}{suggestion}{' ' + hint if hint else ''}")
