"""``gunicorn --preload`` with 4 sync workers serving the Django example's relay page, 64 SSE
clients at once, the real AgentOS behind a proxy that knows which process owns each connection.

How "no connection to AgentOS is used by two processes" is checked: the client in the workers
talks to AgentOS through ``OwnerProxy``. When it accepts a connection it looks up, in /proc, which
of gunicorn's processes hold the client end of that socket (its inode, found by the client port in
/proc/net/tcp, in /proc/<pid>/fd), and it counts the requests each connection carries. The master
opens its connections before forking (the preload module calls the client), so those are the ones
every worker inherits: they must carry nothing after the preload. Every other connection must be
held, when it is opened, by exactly one worker (a worker never forks, so it stays that one's).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest
import requests
from _helpers import tokens
from _procs import children, free_port, gunicorn_flags, spawn, stop, tail

from agentos_sync import AgentOSClient
from agentos_sync.sse import iter_frames

CLIENTS = 64
WORKERS = 4
TOKENS = 6


def _inode_of(local_port: int, remote_port: int) -> Optional[str]:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            next(fh)
            for line in fh:
                cols = line.split()
                if (
                    int(cols[1].rsplit(":", 1)[1], 16) == local_port
                    and int(cols[2].rsplit(":", 1)[1], 16) == remote_port
                ):
                    return cols[9]
    return None


def _holders(inode: str, pids: Set[int]) -> Set[int]:
    out = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                        out.add(pid)
                        break
    return out


class OwnerProxy:
    """TCP proxy to AgentOS recording, per connection: the client port, which of ``pids()`` held
    the client socket when it connected, and the request lines it carried."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.master_pid: Optional[int] = None
        self.connections: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def pids(self) -> Set[int]:
        return set() if self.master_pid is None else {self.master_pid, *children(self.master_pid)}

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, (_, peer_port) = self.listener.accept()
            except OSError:
                return
            inode = _inode_of(peer_port, self.port)
            conn: Dict[str, Any] = {
                "port": peer_port,
                "holders": _holders(inode, self.pids()) if inode else set(),
                "requests": [],
                "answered": True,
            }
            with self._lock:
                self.connections.append(conn)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._up, args=(client, upstream, conn), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, conn), daemon=True).start()

    def _up(self, src: socket.socket, dst: socket.socket, conn: Dict[str, Any]) -> None:
        # HTTP/1.1 without pipelining: the client's first bytes after an answer start a request.
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                if conn["answered"]:
                    conn["requests"].append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                    conn["answered"] = False
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def _down(self, src: socket.socket, dst: socket.socket, conn: Dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                conn["answered"] = True
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed = True
        self.listener.close()


@pytest.fixture
def site(agentos: Any, tmp_path: Path) -> Iterator[Tuple[str, OwnerProxy, Any]]:
    proxy = OwnerProxy(agentos.port)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    cmd = [
        "-m",
        "gunicorn",
        *gunicorn_flags(),
        "--preload",
        "-w",
        str(WORKERS),
        "-k",
        "sync",
        "-b",
        f"127.0.0.1:{port}",
    ]
    cmd += ["--timeout", "60", "--graceful-timeout", "5", "gunicorn_preload:application"]
    proc = spawn(cmd, log, env={"AGENTOS_URL": f"http://127.0.0.1:{proxy.port}", "DJANGO_DEBUG": "0"})
    proxy.master_pid = proc.pid
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < WORKERS or not _answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{tail(log)}")
            time.sleep(0.1)
        yield url, proxy, proc
    finally:
        stop(proc)
        proxy.close()
        print(tail(log, 5))


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _read_page_stream(url: str, n: int) -> Dict[str, Any]:
    with requests.get(
        url + "/stream", params={"q": f"[tokens={TOKENS} delay=0.02] client {n}"}, stream=True, timeout=90
    ) as r:
        assert r.status_code == 200, r.text[:300]
        frames = list(iter_frames(r.iter_content(chunk_size=None)))
    evs = [(f.event, json.loads(f.data)) for f in frames if f.event]
    end = evs[-1][1]
    text = "".join(d.get("content") or "" for e, d in evs if e == "RunContent")
    completed = [d for e, d in evs if e == "RunCompleted"]
    return {
        "end": end,
        "text": text,
        "completed": completed[0]["content"] if completed else None,
        "run_ids": {d.get("run_id") for e, d in evs if e != "end"},
    }


def test_preloaded_gunicorn_workers_each_use_their_own_connections(
    site: Tuple[str, OwnerProxy, Any], agentos: Any
) -> None:
    url, proxy, proc = site
    workers = children(proc.pid)
    assert len(workers) == WORKERS
    with proxy._lock:
        inherited = [c for c in proxy.connections if c["holders"] == {proc.pid}]
        before = {id(c): len(c["requests"]) for c in inherited}
    assert inherited and all(n >= 1 for n in before.values()), "the preload used the client in the master"

    with ThreadPoolExecutor(CLIENTS) as pool:
        pages = list(pool.map(lambda n: _read_page_stream(url, n), range(CLIENTS)))

    # Each client got its whole stream, of its own run.
    for page in pages:
        assert page["end"]["terminal"] == "RunCompleted" and "error" not in page["end"], page["end"]
        assert page["text"] == page["completed"] == tokens(TOKENS)
        assert page["run_ids"] == {page["end"]["run_id"]}
    run_ids = [p["end"]["run_id"] for p in pages]
    assert len(set(run_ids)) == CLIENTS
    server = AgentOSClient(agentos.url)
    for page in pages[:: CLIENTS // 8]:
        assert (
            server.get_agent_run("assistant", page["end"]["run_id"], page["end"]["session_id"]).content == page["text"]
        )

    with proxy._lock:
        conns = list(proxy.connections)
    # The master's connections, inherited by all four workers, carried nothing after the fork.
    assert {id(c): len(c["requests"]) for c in inherited} == before
    later = [c for c in conns if id(c) not in before]
    per_worker: Counter[int] = Counter()
    requests_per_worker: Counter[int] = Counter()
    for conn in later:
        assert len(conn["holders"]) == 1 and conn["holders"] <= workers, (conn["port"], conn["holders"], workers)
        (pid,) = conn["holders"]
        per_worker[pid] += 1
        requests_per_worker[pid] += len(conn["requests"])
    assert sum(requests_per_worker.values()) >= CLIENTS
    print(
        f"\ngunicorn test: workers={WORKERS} clients={CLIENTS} complete_streams={len(pages)} "
        f"distinct_runs={len(set(run_ids))} master_connections={len(inherited)} "
        f"(requests after fork: 0) worker_connections={dict(per_worker)} "
        f"requests_per_worker={dict(requests_per_worker)} connections_held_by_two_processes=0"
    )
