"""Building an ``AgentOSClient`` from framework settings (``settings.AGENTOS``, ``app.config``).

One table of setting names, shared by the Django and Flask helpers, so that both spell and check
them alike. Messages name the setting at fault and never show the API key.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, Mapping

from ..client import AgentOSClient
from ..retry import ReconnectPolicy
from ..transports.base import Transport

__all__ = ["SETTINGS", "client_from_settings"]

#: Setting name -> ``AgentOSClient`` keyword.
SETTINGS: Dict[str, str] = {
    "BASE_URL": "base_url",
    "API_KEY": "api_key",
    "TIMEOUT": "timeout",
    "MAX_RETRIES": "max_retries",
    "POOL_MAXSIZE": "pool_maxsize",
    "RECONNECT": "reconnect",
    "HEADERS": "headers",
    "MAX_EVENT_BYTES": "max_event_bytes",
    "VERIFY": "verify",
    "CERT": "cert",
    "TRANSPORT": "transport",
}


def _import_string(path: str) -> Any:
    module_name, _, attr = path.rpartition(".")
    if not module_name:
        raise ValueError(f"{path!r} is not a dotted path like 'myproject.agentos.make_transport'")
    return getattr(importlib.import_module(module_name), attr)


def _transport(value: Any) -> Transport:
    if isinstance(value, str):
        value = _import_string(value)
    if isinstance(value, Transport):
        return value
    if callable(value):
        made = value()
        if isinstance(made, Transport):
            return made
        raise TypeError(f"the TRANSPORT factory returned {type(made).__name__}, not a Transport")
    raise TypeError(
        f"TRANSPORT must be a Transport, a factory returning one, or its dotted path; got {type(value).__name__}"
    )


def client_from_settings(
    values: Mapping[str, Any],
    *,
    name: Callable[[str], str],
    error: Callable[[str], Exception],
) -> AgentOSClient:
    """An ``AgentOSClient`` from ``{"BASE_URL": ..., "API_KEY": ..., ...}``.

    ``name(key)`` shows where a setting lives (``settings.AGENTOS['TIMEOUT']``); ``error(message)``
    makes the framework's configuration error. ``TIMEOUT`` may be a number or a ``[connect, read]``
    list, ``RECONNECT`` a ``ReconnectPolicy`` or a dict of its fields, ``TRANSPORT`` a transport, a
    factory or a dotted path to either (tests use it to plug in ``FakeTransport``).
    """
    unknown = sorted(k for k in values if k not in SETTINGS)
    if unknown:
        raise error(
            f"Unknown AgentOS setting(s) {', '.join(name(k) for k in unknown)}; the known ones are "
            f"{', '.join(SETTINGS)}."
        )
    if not values.get("BASE_URL"):
        raise error(f"{name('BASE_URL')} is required: the AgentOS server's address, e.g. 'http://localhost:7777'.")
    kwargs: Dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        try:
            if key in ("TIMEOUT", "CERT") and isinstance(value, list):
                value = tuple(value)
            elif key == "RECONNECT" and isinstance(value, Mapping):
                value = ReconnectPolicy(**value)
            elif key == "TRANSPORT":
                value = _transport(value)
        except (TypeError, ValueError, ImportError, AttributeError) as exc:
            raise error(f"{name(key)}: {exc}") from exc
        kwargs[SETTINGS[key]] = value
    try:
        return AgentOSClient(**kwargs)
    except (TypeError, ValueError) as exc:
        raise error(f"Invalid AgentOS settings ({', '.join(name(k) for k in values)}): {exc}") from exc
