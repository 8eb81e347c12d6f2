"""What every area's routes use: the `Route` record, and the shapes most handlers share
(validate a body, paginate a listing, 404 on an unknown id), written once.

A handler is a plain function ``handler(state, call, *path_params) -> _Reply``: it receives the
server's `_State`, the `_Call` and the path template's parameters in order, unquoted. It answers
an error by returning a reply or raising `_Invalid` (what the helpers here raise)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, MutableMapping, Optional, Sequence, Tuple, TypeVar

from .._wire import _Call, _detail, _Invalid, _invalid, _json, _missing, _no_content, _parse_int, _Reply

__all__ = [
    "Handler",
    "Route",
    "body_json",
    "delete_listed",
    "descending",
    "feature_on",
    "found",
    "limit_page",
    "page",
    "paged",
    "query_filter",
    "require",
]

Handler = Callable[..., _Reply]
"""``handler(state: _State, call: _Call, *path_params: str) -> _Reply``."""

_T = TypeVar("_T")
_PARAM = re.compile(r"\{(\w+)(?::([^}]+))?\}")


def _pattern(template: str) -> re.Pattern[str]:
    """``/agents/{agent_id}/runs`` -> a regex with one group per parameter: ``{name}`` is one path
    segment, ``{name:path}`` the rest of the path, ``{name:a|b}`` one of the listed words."""
    out, pos = [], 0
    for match in _PARAM.finditer(template):
        out.append(re.escape(template[pos : match.start()]))
        kind = match.group(2)
        out.append("(.+)" if kind == "path" else "([^/]+)" if kind is None else f"({kind})")
        pos = match.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


def _specificity(template: str) -> Tuple[int, ...]:
    """Per path segment: a literal (0) before a choice of words (1), a segment parameter (2) and a
    path parameter (3); the router tries the most specific route first."""
    ranks = []
    for segment in template.strip("/").split("/"):
        match = _PARAM.fullmatch(segment)
        kind = match.group(2) if match else None
        ranks.append(0 if match is None else 3 if kind == "path" else 2 if kind is None else 1)
    return tuple(ranks)


@dataclass(frozen=True)
class Route:
    """One route: ``method``, ``path`` template (agno's, with ``{name}`` parameters) and the
    handler. ``auth=False`` for the one route AgentOS serves without its security key."""

    method: str
    path: str
    handler: Handler
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    specificity: Tuple[int, ...] = field(init=False, repr=False, compare=False)
    #: The template with its parameters' names blanked: two routes with the same shape collide.
    shape: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _pattern(self.path))
        object.__setattr__(self, "specificity", _specificity(self.path))
        object.__setattr__(self, "shape", _PARAM.sub(lambda m: "{:" + (m.group(2) or "") + "}", self.path))


# -- request bodies --------------------------------------------------------------------------------
def body_json(call: _Call, *, required: bool) -> Dict[str, Any]:
    """The JSON object body (``{}`` when absent and not ``required``), or FastAPI's 422."""
    body = call.request.json
    if body is None:
        if required:
            raise _missing(["body"])
        return {}
    if not isinstance(body, dict):
        raise _invalid(
            ["body"],
            "model_attributes_type",
            "Input should be a valid dictionary or object to extract fields from",
            body,
        )
    return body


def require(body: Mapping[str, Any], *keys: str, kind: type = str) -> None:
    """FastAPI's 422 ``missing`` for the first of ``keys`` that is not a ``kind``."""
    for key in keys:
        if not isinstance(body.get(key), kind):
            raise _missing(["body", key])


def delete_listed(call: _Call, store: MutableMapping[str, Any], key: str) -> _Reply:
    """A bulk delete: drop every id the body's ``key`` list names (unknown ids are no error)."""
    ids = body_json(call, required=True).get(key)
    if not isinstance(ids, list):
        raise _missing(["body", key])
    for item_id in ids:
        store.pop(str(item_id), None)
    return _no_content()


def feature_on(enabled: bool, tag: str, requires: str) -> None:
    """agno's 503 on a switchable feature that is off (``_get_disabled_feature_router``)."""
    if not enabled:
        raise _Invalid(_detail(503, f"{tag} not available: pass a `{requires}` to AgentOS to enable this feature."))


# -- lookups ---------------------------------------------------------------------------------------
def found(value: Optional[_T], detail: str) -> _T:
    """``value``, or a 404 with ``detail`` when there is none."""
    if value is None:
        raise _Invalid(_detail(404, detail))
    return value


def query_filter(call: _Call, keys: Sequence[str]) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a row's field equals the query's, for each of ``keys`` the query names."""
    wanted = {k: call.q(k) for k in keys if call.q(k) is not None}
    return lambda row: all(row.get(k) == v for k, v in wanted.items())


# -- listings --------------------------------------------------------------------------------------
def limit_page(call: _Call, default_limit: int = 20, *, echo_text: bool = False) -> Tuple[int, int]:
    """The ``limit`` (>= 1) and ``page`` (>= 0, 1 by default) query parameters, or FastAPI's 422.
    ``echo_text``: the 422 shows the input as the query's text (the sessions listing), else as
    the number."""
    limit = _parse_int(call.q("limit"), ["query", "limit"])
    number = _parse_int(call.q("page"), ["query", "page"])
    limit = default_limit if limit is None else limit
    number = 1 if number is None else number
    for name, value, least in (("limit", limit, 1), ("page", number, 0)):
        if value < least:
            shown = str(value) if echo_text else value
            msg = f"Input should be greater than or equal to {least}"
            raise _invalid(["query", name], "greater_than_equal", msg, shown)
    return limit, number


def page(items: Sequence[Any], limit: int, number: int) -> Dict[str, Any]:
    """agno's paginated answer: page ``number`` (1-based; 0 reads as 1) of ``limit`` items."""
    total = len(items)
    offset = (max(number, 1) - 1) * limit
    return {
        "data": list(items[offset : offset + limit]),
        "meta": {
            "page": number,
            "limit": limit,
            "total_pages": (total + limit - 1) // limit,
            "total_count": total,
            "search_time_ms": 0.0,
        },
    }


def paged(items: Sequence[Any], paging: Tuple[int, int]) -> _Reply:
    """A 200 with `page` of ``items`` for ``paging`` (from `limit_page`)."""
    return _json(200, page(items, *paging))


def descending(call: _Call) -> bool:
    """The ``sort_order`` query parameter: anything but ``asc`` sorts newest first."""
    return (call.q("sort_order") or "desc").lower() != "asc"
