"""The CLI's configuration: where to connect (flags, then the environment, then defaults) and
the client made from it. Its own module so that the commands (``_app``) and the demo (``_demo``)
both use it without importing each other."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

import click

from ..client import AgentOSClient

__all__ = ["DEFAULT_BASE_URL", "META", "Settings", "client_for", "connection_options", "env", "make_client", "settings"]

DEFAULT_BASE_URL = "http://localhost:7777"
DEFAULT_READ_TIMEOUT = 300.0
CONNECT_TIMEOUT = 10.0

META = "agentos_sync.cli."
F = TypeVar("F", bound=Callable[..., Any])


# -- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Where to connect. Each value comes from a flag, then the environment, then the default."""

    base_url: str
    api_key: Optional[str]
    read_timeout: float
    key_from_flag: bool


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    # Connection options are accepted before and after the subcommand; the later one wins.
    if value is not None and param.name:
        ctx.meta[META + param.name] = value
    return value


def connection_options(
    url_help: str = f"AgentOS URL [default: $AGENTOS_URL, else {DEFAULT_BASE_URL}].",
) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        f = click.option(
            "--read-timeout",
            type=click.FloatRange(min=0.1),
            default=None,
            expose_value=False,
            callback=_remember,
            metavar="SECONDS",
            help=f"Longest silence tolerated on a stream before it counts as cut [default: {DEFAULT_READ_TIMEOUT:g}].",
        )(f)
        f = click.option(
            "--api-key",
            default=None,
            expose_value=False,
            callback=_remember,
            metavar="KEY",
            help="API key (the server's OS_SECURITY_KEY) [default: $AGENTOS_API_KEY]. Never printed.",
        )(f)
        f = click.option(
            "--base-url", default=None, expose_value=False, callback=_remember, metavar="URL", help=url_help
        )(f)
        return f

    return decorate


def env(name: str) -> Optional[str]:
    value = os.environ.get(name, "").strip()
    return value or None


def settings(ctx: click.Context, *, use_env_url: bool = True) -> Settings:
    meta = ctx.meta
    flag_url = meta.get(META + "base_url")
    flag_key = meta.get(META + "api_key")
    url = flag_url or (env("AGENTOS_URL") if use_env_url else None) or DEFAULT_BASE_URL
    key = flag_key or env("AGENTOS_API_KEY")
    timeout = meta.get(META + "read_timeout") or DEFAULT_READ_TIMEOUT
    return Settings(base_url=url, api_key=key, read_timeout=float(timeout), key_from_flag=bool(flag_key))


def make_client(ctx: click.Context, config: Settings) -> AgentOSClient:
    try:
        client = AgentOSClient(config.base_url, api_key=config.api_key, timeout=(CONNECT_TIMEOUT, config.read_timeout))
    except (TypeError, ValueError) as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param_hint="'--base-url' / AGENTOS_URL") from None
    ctx.call_on_close(client.close)
    ctx.meta[META + "settings"] = config
    return client


def client_for(ctx: click.Context) -> AgentOSClient:
    """The client for a command, from its flags and the environment; closed with the command."""
    return make_client(ctx, settings(ctx))
