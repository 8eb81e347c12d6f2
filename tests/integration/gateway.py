"""Real gateways for the integration suite: Debian's nginx (reverse proxy, TLS terminator) and
tinyproxy (a corporate forward proxy), each started from its package's binary on loopback with a
configuration written by the test, and stopped by its pid.

    nginx = Nginx(workdir, upstream_port, "default").start()   # nginx.url -> "http://127.0.0.1:<port>"
    Nginx(workdir, port, "sse"), "gzip", "short_read", "short_keepalive", Nginx(..., tls=certs)
    proxy = Tinyproxy(workdir).start()                          # proxy.url -> "http://127.0.0.1:<port>"

The nginx configurations are what deployments run (docs/deployments.md, "Behind a gateway"):

- ``default``: nginx's defaults in front of an app: HTTP/1.0 to the upstream, ``proxy_buffering
  on``, ``proxy_read_timeout 60s``, gzip off.
- ``sse``: tuned for event streams: HTTP/1.1 with keep-alive to the upstream, buffering off,
  ``proxy_read_timeout 3600s``.
- ``gzip``: the default plus ``gzip on`` for event streams and JSON (a common site-wide setting).
- ``short_read``: the default with ``proxy_read_timeout 1s``: shorter than a model's pause;
  ``read_2s`` the same with 2 s.
- ``short_keepalive``: ``keepalive_timeout 1s`` toward the client, shorter than the gap between
  two calls, so the client's pooled connection is closed by nginx while it sits idle.

A missing binary FAILS the test (the suite installs nginx and tinyproxy: .ci/run), never skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from _procs import free_port, tail

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TINYPROXY = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"

_LOCATIONS: Dict[str, str] = {
    "default": "",
    "sse": """
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_buffering off;
        proxy_cache off;
        proxy_read_timeout 3600s;""",
    "gzip": "",
    "short_read": "proxy_read_timeout 1s;",
    "read_2s": "proxy_read_timeout 2s;",
    "short_keepalive": "",
}
_HTTP: Dict[str, str] = {
    "gzip": "gzip on; gzip_types text/event-stream application/json; gzip_min_length 1; gzip_proxied any;",
    "short_keepalive": "keepalive_timeout 1s;",
}


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{tail(log)}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout}s:\n{tail(log)}")


class _Daemon:
    """A gateway process of the test's: spawned in the foreground, waited for on its port, ended
    by its pid (TERM, then KILL)."""

    port: int
    proc: Optional[subprocess.Popen[bytes]] = None

    def _spawn(self, cmd: List[str], log: Path, what: str) -> None:
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        _wait_listening(self.port, self.proc, log, what)

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Nginx(_Daemon):
    """One nginx master (one worker) in front of ``upstream_port``, with its own prefix directory."""

    def __init__(
        self, workdir: Path, upstream_port: int, config: str = "default", *, tls: Optional[Tuple[str, str]] = None
    ) -> None:
        if config not in _LOCATIONS:
            raise ValueError(f"unknown nginx config {config!r}: one of {sorted(_LOCATIONS)}")
        self.config = config
        self.upstream_port = upstream_port
        self.tls = tls
        self.port = free_port()
        self.prefix = workdir / f"nginx-{config}{'-tls' if tls else ''}-{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"

    def _conf(self) -> str:
        listen = f"127.0.0.1:{self.port}"
        ssl = ""
        if self.tls:
            listen += " ssl"
            ssl = f"ssl_certificate {self.tls[0]}; ssl_certificate_key {self.tls[1]};"
        temp = " ".join(
            f"{name}_temp_path {self.prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root (CI), the worker would switch to "nobody", who cannot read the test's tmp dir.
        user = "user root;" if os.geteuid() == 0 else ""
        return f"""
{user}
worker_processes 1;
pid {self.prefix / "nginx.pid"};
error_log {self.error_log} info;
events {{ worker_connections 1024; }}
http {{
    access_log {self.prefix / "access.log"};
    {temp}
    {_HTTP.get(self.config, "")}
    server {{
        listen {listen};
        {ssl}
        location / {{
            proxy_pass http://127.0.0.1:{self.upstream_port};
            {_LOCATIONS[self.config]}
        }}
    }}
}}
"""

    def start(self) -> Nginx:
        if not os.path.exists(NGINX):
            raise RuntimeError("nginx is not installed (apt-get install nginx): .ci/run installs it")
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self._conf())
        self._spawn(
            [NGINX, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.error_log), "-g", "daemon off;"],
            self.prefix / "stderr.log",
            f"nginx ({self.config})",
        )
        return self

    def log_tail(self, n: int = 30) -> str:
        return tail(self.error_log, n)

    def __enter__(self) -> Nginx:
        return self.start()


class Tinyproxy(_Daemon):
    """tinyproxy, a forward proxy as corporate networks run one (plain HTTP and CONNECT)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = workdir / f"tinyproxy-{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.dir / "tinyproxy.log"

    def start(self) -> Tinyproxy:
        if not os.path.exists(TINYPROXY):
            raise RuntimeError("tinyproxy is not installed (apt-get install tinyproxy): .ci/run installs it")
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "tinyproxy.conf"
        # No ConnectPort line: CONNECT is allowed to every port (the TLS nginx is on a free one).
        user = "User root\nGroup root\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{user}Port {self.port}\nListen 127.0.0.1\nTimeout 600\nMaxClients 200\nAllow 127.0.0.1\n"
            f'LogFile "{self.log}"\nLogLevel Connect\nDisableViaHeader Yes\n'
        )
        self._spawn([TINYPROXY, "-d", "-c", str(conf)], self.dir / "stderr.log", "tinyproxy")
        return self

    def requests_seen(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> Tinyproxy:
        return self.start()
