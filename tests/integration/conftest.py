"""Fixtures that run a real AgentOS (agno 3.1.10) on loopback for the integration suite.

Session-scoped, started lazily on first use, on free ports, in one tmp dir, stopped at the end:

- ``fake_llm``: the deterministic OpenAI-compatible server (``servers/fake_llm.py``), in-process.
- ``agentos``: an AgentOS process (``servers/agentos_app.py``) -> ``AgentOSServer``.
- ``agentos_secure``: the same with ``OS_SECURITY_KEY`` set (``.api_key``).
- ``proxy``: a ``FaultProxy`` in front of ``agentos``, reset before and after each test.
- ``redis_server``: ``redis-server`` on a free port, no persistence (``.url``).
- ``replicas``: two AgentOS processes sharing one SQLite file and the Redis event stream.

``agentos``, ``agentos_secure`` and ``replicas`` are handed out by function-scoped fixtures that
restart a server a previous test left stopped, so a test may ``stop()``/``restart()`` freely.
A server that cannot start FAILS the test with the last 50 lines of its log; nothing is skipped.
Every test under this directory is marked ``integration``.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, TypeVar

import pytest
import requests

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fault_proxy import FaultProxy  # noqa: E402
from servers.fake_llm import FakeLLM  # noqa: E402

APP = HERE / "servers" / "agentos_app.py"

# Modules that real worker processes import (celery -A celery_tasks, gunicorn's app): configured
# from the environment those tests set, so not importable by pytest-markdown-docs' docstring
# collection, which imports every .py file under testpaths.
collect_ignore = ["celery_tasks.py", "gunicorn_preload.py"]
STARTUP_DEADLINE = 60.0
STOP_DEADLINE = 10.0
SECURITY_KEY = "it-secret-key-6f1c2d"

# Loopback only: never let an environment proxy setting catch 127.0.0.1
_no_proxy = [p for p in os.environ.get("NO_PROXY", "").split(",") if p]
for _host in ("127.0.0.1", "localhost"):
    if _host not in _no_proxy:
        _no_proxy.append(_host)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(_no_proxy)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Poll until ``predicate()`` is truthy; returns its value, or the last falsy one at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _tail(path: Path, n: int) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-n:])


class ServerStartError(RuntimeError):
    pass


class AgentOSServer:
    """One AgentOS process. ``url``, ``port``, ``db_path``, ``api_key`` (None unless secure).

    ``start()`` spawns and waits for ``GET /health`` (60 s deadline, raises ServerStartError with
    the log tail); ``stop()`` is SIGTERM then SIGKILL; ``kill()`` is SIGKILL; ``restart()`` is
    kill -9 then start on the same port and db. ``log_tail(n)`` reads the log file.
    ``startup_seconds`` is the last spawn-to-healthy time.
    """

    def __init__(
        self,
        name: str,
        workdir: Path,
        llm_url: str,
        db_path: Optional[Path] = None,
        api_key: Optional[str] = None,
        redis_url: Optional[str] = None,
        port: Optional[int] = None,
        extra_args: Sequence[str] = (),
    ):
        self.name = name
        #: More agentos_app.py options (``--workers 2``, ``--durable``, ``--worker-header``).
        self.extra_args = list(extra_args)
        self.port = port or free_port()
        self.db_path = db_path or workdir / f"{name}.db"
        self.log_path = workdir / f"{name}.log"
        self.llm_url = llm_url
        self.api_key = api_key
        self.redis_url = redis_url
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.startup_seconds: Optional[float] = None
        self.starts = 0
        self._spawned_at = 0.0
        self._lock = threading.RLock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    @property
    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        with self._lock:
            if self.is_running():
                return
            env = dict(os.environ)
            env.pop("OS_SECURITY_KEY", None)
            env.update({"AGNO_TELEMETRY": "false", "PYTHONUNBUFFERED": "1"})
            if self.api_key:
                env["OS_SECURITY_KEY"] = self.api_key
            cmd = [
                sys.executable,
                str(APP),
                "--port",
                str(self.port),
                "--db",
                str(self.db_path),
                "--llm-url",
                self.llm_url,
                "--exit-with-parent",
            ]
            if self.redis_url:
                cmd += ["--redis-url", self.redis_url]
            cmd += self.extra_args
            self.starts += 1
            with open(self.log_path, "ab") as log:
                log.write(f"\n===== start #{self.starts}: {' '.join(cmd)}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(
                    cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=str(HERE)
                )
            self._spawned_at = time.monotonic()

    def wait_ready(self, timeout: float = STARTUP_DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        while True:
            proc = self.proc
            if proc is None or proc.poll() is not None:
                code = None if proc is None else proc.returncode
                raise ServerStartError(
                    f"AgentOS {self.name} exited during startup (code {code}). Last 50 log lines:\n" + self.log_tail(50)
                )
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    self.startup_seconds = time.monotonic() - self._spawned_at
                    return
            except requests.RequestException:
                pass
            if time.monotonic() >= deadline:
                self.kill()
                raise ServerStartError(
                    f"AgentOS {self.name} not healthy after {timeout:.0f} s. Last 50 log lines:\n" + self.log_tail(50)
                )
            time.sleep(0.1)

    def start(self, timeout: float = STARTUP_DEADLINE) -> "AgentOSServer":
        self.spawn()
        self.wait_ready(timeout)
        return self

    def kill(self) -> None:
        """kill -9: no graceful shutdown, in-flight runs die with the process."""
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=STOP_DEADLINE)

    def stop(self) -> None:
        with self._lock:
            if self.proc is None or self.proc.poll() is not None:
                return
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_DEADLINE)

    def restart(self, timeout: float = STARTUP_DEADLINE) -> "AgentOSServer":
        """kill -9, then start again on the same port and db."""
        self.kill()
        return self.start(timeout)

    def ensure_running(self) -> "AgentOSServer":
        if not self.is_running():
            self.start()
        return self

    def log_tail(self, n: int = 50) -> str:
        return _tail(self.log_path, n)

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<AgentOSServer {self.name} {self.url} pid={self.pid} {state}>"


class RedisServer:
    """``redis-server`` on 127.0.0.1, no persistence. ``url``, ``port``, ``client()``, ``stop()``."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.log_path = workdir / "redis.log"
        self.proc: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerStartError(
                "redis-server not found on PATH: install it (Debian: apt-get install -y redis-server)"
            )
        cmd = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--logfile",
            "",
        ]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
            )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)

        def ping() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                raise ServerStartError("redis-server exited:\n" + _tail(self.log_path, 50))
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        if not wait_until(ping, 20.0):
            self.stop()
            raise ServerStartError("redis-server not answering PING after 20 s:\n" + _tail(self.log_path, 50))
        client.close()
        return self

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_DEADLINE)


def _die_with_parent() -> None:
    """preexec_fn: SIGKILL the child when the parent dies (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass


class Replicas:
    """Two AgentOS processes sharing one SQLite file and one Redis: ``a``, ``b``, ``[0]``, ``[1]``."""

    def __init__(self, servers: List[AgentOSServer], redis_url: str):
        self.servers = servers
        self.redis_url = redis_url

    @property
    def a(self) -> AgentOSServer:
        return self.servers[0]

    @property
    def b(self) -> AgentOSServer:
        return self.servers[1]

    @property
    def db_path(self) -> Path:
        return self.servers[0].db_path

    def __getitem__(self, i: int) -> AgentOSServer:
        return self.servers[i]

    def __iter__(self) -> Iterator[AgentOSServer]:
        return iter(self.servers)

    def __len__(self) -> int:
        return len(self.servers)

    def start(self) -> "Replicas":
        # Spawn both before waiting: the imports of the two processes overlap on two cores
        for s in self.servers:
            s.spawn()
        for s in self.servers:
            s.wait_ready()
        return self

    def ensure_running(self) -> "Replicas":
        dead = [s for s in self.servers if not s.is_running()]
        for s in dead:
            s.spawn()
        for s in dead:
            s.wait_ready()
        return self

    def stop(self) -> None:
        for s in self.servers:
            s.stop()


T = TypeVar("T")


def _started(start: Callable[[], T]) -> T:
    try:
        return start()
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)


# -- hooks ------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: runs against a real AgentOS server on loopback")


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    for item in items:
        path = Path(str(getattr(item, "path", None) or item.fspath)).resolve()
        if path == HERE or HERE in path.parents:
            item.add_marker(pytest.mark.integration)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def it_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's tmp dir: databases and server logs."""
    return tmp_path_factory.mktemp("agentos_it")


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeLLM]:
    """``FakeLLM``: ``.url``, ``.base_url`` (for OpenAIChat), ``.port``, ``.requests`` (count)."""
    llm = FakeLLM().start()
    yield llm
    llm.stop()


@pytest.fixture(scope="session")
def _agentos_session(it_workdir: Path, fake_llm: FakeLLM) -> Iterator[AgentOSServer]:
    server = AgentOSServer("agentos", it_workdir, fake_llm.base_url)
    _started(server.start)
    yield server
    server.stop()


@pytest.fixture()
def agentos(_agentos_session: AgentOSServer) -> AgentOSServer:
    """The shared plain AgentOS (no auth, in-memory event stream); restarted if a test stopped it."""
    return _started(_agentos_session.ensure_running)


@pytest.fixture(scope="session")
def _agentos_areas_session(it_workdir: Path, fake_llm: FakeLLM) -> Iterator[AgentOSServer]:
    server = AgentOSServer("agentos_areas", it_workdir, fake_llm.base_url, extra_args=["--areas"])
    _started(server.start)
    yield server
    server.stop()


@pytest.fixture()
def agentos_areas(_agentos_areas_session: AgentOSServer) -> AgentOSServer:
    """AgentOS with ``--areas``: memory agent ``memo``, tool agent ``calc``, a knowledge base on
    local Qdrant, tracing (see servers/agentos_app.py)."""
    return _started(_agentos_areas_session.ensure_running)


@pytest.fixture(scope="session")
def _agentos_secure_session(it_workdir: Path, fake_llm: FakeLLM) -> Iterator[AgentOSServer]:
    server = AgentOSServer("agentos_secure", it_workdir, fake_llm.base_url, api_key=SECURITY_KEY)
    _started(server.start)
    yield server
    server.stop()


@pytest.fixture()
def agentos_secure(_agentos_secure_session: AgentOSServer) -> AgentOSServer:
    """AgentOS with OS_SECURITY_KEY set: ``.api_key``, ``.headers`` (the Bearer header)."""
    return _started(_agentos_secure_session.ensure_running)


@pytest.fixture(scope="session")
def _proxy_session(_agentos_session: AgentOSServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(_agentos_session.port)
    yield proxy
    proxy.close()


@pytest.fixture()
def proxy(_proxy_session: FaultProxy, agentos: AgentOSServer) -> Iterator[FaultProxy]:
    """FaultProxy in front of ``agentos`` (``proxy.url``); reset (rules, connections, counters)
    before and after each test. ``agentos.restart()`` keeps the port, so the proxy stays valid."""
    _proxy_session.reset()
    yield _proxy_session
    _proxy_session.reset()


@pytest.fixture(scope="session")
def redis_server(it_workdir: Path) -> Iterator[RedisServer]:
    """redis-server on a free port (``.url``, ``.port``, ``.client()``). Installs nothing."""
    server = RedisServer(it_workdir)
    _started(server.start)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _replicas_session(it_workdir: Path, fake_llm: FakeLLM, redis_server: RedisServer) -> Iterator[Replicas]:
    db = it_workdir / "replicas.db"
    servers = [
        AgentOSServer(f"replica_{n}", it_workdir, fake_llm.base_url, db_path=db, redis_url=redis_server.url)
        for n in ("a", "b")
    ]
    reps = Replicas(servers, redis_server.url)
    _started(reps.start)
    yield reps
    reps.stop()


@pytest.fixture()
def replicas(_replicas_session: Replicas) -> Replicas:
    """Two AgentOS replicas (``.a``, ``.b``) sharing ``.db_path`` and the Redis event stream."""
    return _started(_replicas_session.ensure_running)
