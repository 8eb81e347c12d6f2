"""The base of every resource (``client.agents``, ``client.sessions``, ...) and the per-call options
they share.

A resource is a small class over the client's one `HTTPCore` (as
openai-python's ``SyncAPIResource``): it builds one area's requests and turns the answers into
models, and holds nothing else. A new AgentOS area (memories, knowledge, evals, traces, metrics)
is one more subclass and one more attribute on `AgentOSClient`.

Example, a new area:

```python
class Memories(APIResource):
    def list(self, user_id: str, **options: Unpack[CallOptions]) -> List[Memory]:
        data = self._http.json("GET", ["memories"], params={"user_id": user_id}, **self._options(options))
        return [validate(Memory, m, "AgentOS") for m in data]
```
"""

from __future__ import annotations

import difflib
import inspect
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Collection,
    Dict,
    Generic,
    List,
    Mapping,
    Optional,
    Type,
    TypedDict,
    TypeVar,
    Union,
    overload,
)

from ._http import HTTPCore, TimeoutArg, check_headers, normalize_timeout

if TYPE_CHECKING:
    from .client import AgentOSClient

__all__ = ["APIResource", "CallOptions", "alias", "unknown_keyword"]


class CallOptions(TypedDict, total=False):
    """Options every public method takes, for this call only.

    ``timeout``: seconds or ``(connect, read)``, instead of the client's (on a stream: its create
    or resume request, and so the longest silence it tolerates). ``extra_headers``: headers added
    to this request (they win over the client's).
    """

    timeout: TimeoutArg
    extra_headers: Optional[Mapping[str, str]]


_OPTION_NAMES = frozenset(CallOptions.__annotations__)


class APIResource:
    """One AgentOS area over the client's shared HTTP core."""

    #: The client attribute this resource is (``sessions``), for messages.
    name = "resource"

    def __init__(self, http: HTTPCore) -> None:
        self._http = http

    def _options(self, options: Mapping[str, Any], method: Optional[Callable[..., Any]] = None) -> Dict[str, Any]:
        """``CallOptions`` -> the keyword arguments of ``HTTPCore.send``/``json``. A name that is
        not an option is a keyword ``method`` does not take: a TypeError naming the nearest of its
        parameters and the options (a typo must not pass silently)."""
        for key in options:
            if key not in _OPTION_NAMES:
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


def unknown_keyword(what: str, name: str, known: Collection[str], hint: str = "") -> TypeError:
    """The TypeError for a keyword a method does not take: it names the keyword and the nearest
    known one, so a typo (``sesion_id``) fails loudly instead of reaching the server."""
    nearest: List[str] = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    suggestion = f"; did you mean {nearest[0]!r}?" if nearest else "."
    return TypeError(f"{what} got an unexpected keyword argument {name!r}{suggestion}{' ' + hint if hint else ''}")


T = TypeVar("T")


class alias(Generic[T]):
    """A compatibility name: on an instance, the resource method it names (so ``help()`` and
    editors show that method's parameters and docstring); on the class, a function taking the
    client first, so it can be wrapped or monkeypatched like a method."""

    def __init__(self, get: Callable[[AgentOSClient], T]) -> None:
        self._get = get
        self.__doc__ = (
            "agno's name for a resource method: on an instance it is that method, with its docstring "
            "and example (client.run_agent is client.agents.run)."
        )

    @overload
    def __get__(self, obj: None, owner: Type[AgentOSClient]) -> alias[T]: ...

    @overload
    def __get__(self, obj: AgentOSClient, owner: Type[AgentOSClient]) -> T: ...

    def __get__(self, obj: Optional[AgentOSClient], owner: Type[AgentOSClient]) -> Union[T, alias[T]]:
        return self if obj is None else self._get(obj)

    def __call__(self, client: AgentOSClient, *args: Any, **kwargs: Any) -> Any:
        method: Callable[..., Any] = self._get(client)  # type: ignore[assignment]
        return method(*args, **kwargs)
