"""Sync-only callables: refuse async functions where the client calls a user's callback.

Every callback the package takes (``on_reconnect``, ``on_result``, ``on_event``, a relay's
``transform``, ...) is called from a plain thread, where nothing would await a coroutine. This
module imports nothing of the package, so any module can use it without an import cycle.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

__all__ = ["call_sync", "reject_async"]


def _is_async_callable(fn: Any) -> bool:
    # iscoroutinefunction sees through functools.partial (3.8+); an object whose __call__ is async
    # is not a coroutine function itself.
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        return True
    call = getattr(type(fn), "__call__", None)  # noqa: B004 - the class's __call__, not callable()
    return call is not None and (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call))


def reject_async(fn: Any, what: str) -> None:
    """Raise ``TypeError`` unless ``fn`` is None or a plain (synchronous) callable.

    Example:
        ```python
        reject_async(on_reconnect, "on_reconnect")   # before keeping a user's callback
        ```
    """
    if fn is None:
        return
    if inspect.isawaitable(fn):
        if inspect.iscoroutine(fn):
            fn.close()  # not ours to run; closing it spares the "never awaited" warning
        raise TypeError(
            f"{what} must be a plain function, got an awaitable ({type(fn).__name__}); agentos_sync is "
            "synchronous and never awaits anything."
        )
    if not callable(fn):
        raise TypeError(f"{what} must be callable, got {type(fn).__name__}")
    if _is_async_callable(fn):
        name = getattr(fn, "__qualname__", None) or type(fn).__name__
        raise TypeError(
            f"{what} is an async function ({name}); agentos_sync is synchronous and calls {what} from a "
            "plain thread, where nothing would await it. Pass a regular function (to reach an event "
            "loop from it, use asyncio.run_coroutine_threadsafe)."
        )


def call_sync(fn: Callable[..., Any], what: str, *args: Any) -> Any:
    """Call a callback; an awaitable result (an async callable that slipped past the check, such
    as a lambda returning a coroutine) is a TypeError, never silently dropped.

    Example:
        ```python
        call_sync(on_result, "on_result", result)
        ```
    """
    result = fn(*args)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        raise TypeError(
            f"{what} returned an awaitable ({type(result).__name__}); agentos_sync is synchronous and "
            "never awaits it. Pass a regular function."
        )
    return result
