"""A loopback AgentOS emulation that streams SSE runs as fast as the kernel moves bytes.

Raw sockets, one thread per connection, HTTP/1.1 keep-alive. Bodies are rendered once per
scenario (``benchmarks.frames``), cached, and written with ``sendmsg`` in large blocks, so a client
is always the slower side (``server_ceiling`` in the runner checks that). Endpoints:

- ``POST /agents/{id}/runs`` (form: ``message``, ``stream``, ``background``...): ``200
  text/event-stream``, chunked, the run's ``n + 5`` frames; ``stream=false`` gives the JSON
  RunOutput, or ``202`` RunAccepted with ``background=true``.
- ``POST /agents/{id}/runs/{run_id}/resume`` (form: ``last_event_index``, ``session_id``): a
  ``catch_up`` meta + ``subscribed`` meta when another cut lies ahead (the run is "live"), else a
  ``replay`` meta (status COMPLETED), then the frames after ``last_event_index``. Unknown run id:
  one ``event: error`` frame, as the real server.
- ``GET /health``, ``/config``, ``/agents``, ``/agents/{id}``.
- ``GET|POST /_bench/scenario`` (JSON body or query string, see ``frames.Scenario``): read or
  replace the scenario of the next runs; setting it pre-renders the body. ``GET /_bench/stats``,
  ``POST /_bench/reset``.

Cuts are stateless: a connection that would carry the frame with index ``j*cut - 1`` (``j <=
cuts``) stops right after it and closes (FIN without the terminating chunk, or RST). With
``refuse=T`` the listening socket is closed at each cut and reopened T seconds later, so connects
are refused meanwhile.

Run: ``python -m benchmarks.sse_server [--port 0] [--scenario n=1000,frame=390]``; it prints
``LISTENING <port>`` and exits by itself (parent gone, idle or lifetime limit).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import threading
import time
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.frames import (
    AGENT_ID,
    AGENT_NAME,
    CREATED_AT,
    RUN_ID,
    SESSION_ID,
    Renderer,
    Scenario,
    meta_frame,
)

CACHE_LIMIT = 160 * 1024 * 1024  # bytes of rendered bodies kept; larger runs are rendered lazily
SEND_BLOCK = 1 << 20


class _Body:
    """One scenario's frames, pre-rendered (``raw`` + frame offsets) when small enough."""

    def __init__(self, sc: Scenario, background: bool) -> None:
        self.renderer = Renderer(sc, background)
        self.total = sc.total
        self.raw: Optional[bytes] = None
        self.offsets: List[int] = []
        self.per_frame: Optional[bytes] = None  # the same frames, each wrapped as one HTTP chunk
        self.per_frame_offsets: List[int] = []
        if sc.n * max(sc.frame, 64) + sc.big <= CACHE_LIMIT // 2:
            frames = list(self.renderer.frames(0, self.total))
            offs = [0]
            for f in frames:
                offs.append(offs[-1] + len(f))
            self.raw = b"".join(frames)
            self.offsets = offs
            wrapped = [b"%x\r\n%s\r\n" % (len(f), f) for f in frames]
            woffs = [0]
            for w in wrapped:
                woffs.append(woffs[-1] + len(w))
            self.per_frame = b"".join(wrapped)
            self.per_frame_offsets = woffs

    @property
    def nbytes(self) -> int:
        return len(self.raw or b"") + len(self.per_frame or b"")

    def raw_blocks(self, start: int, stop: int) -> Iterator[bytes]:
        """SSE bytes of frames start..stop-1 in big blocks."""
        if self.raw is not None:
            mv = memoryview(self.raw)
            a, b = self.offsets[start], self.offsets[stop]
            for p in range(a, b, SEND_BLOCK):
                yield mv[p : min(b, p + SEND_BLOCK)]  # type: ignore[misc]
        else:
            yield from self.renderer.blocks(start, stop)

    def chunked_blocks(self, start: int, stop: int, chunk: int) -> Iterator[List[bytes]]:
        """Frames start..stop-1 as HTTP/1.1 chunks; each item is a list of buffers for sendmsg."""
        if chunk <= 0:
            if self.per_frame is not None:
                mv = memoryview(self.per_frame)
                a, b = self.per_frame_offsets[start], self.per_frame_offsets[stop]
                for p in range(a, b, SEND_BLOCK):
                    yield [mv[p : min(b, p + SEND_BLOCK)]]  # type: ignore[list-item]
            else:
                for i0 in range(start, stop, 4096):
                    yield [
                        b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in self.renderer.frames(i0, min(stop, i0 + 4096)))
                    ]
            return
        for block in self.raw_blocks(start, stop):
            mv = memoryview(block)
            parts: List[bytes] = []
            for p in range(0, len(mv), chunk):
                piece = mv[p : p + chunk]
                parts += [b"%x\r\n" % len(piece), piece, b"\r\n"]  # type: ignore[list-item]
            yield parts


class Server:
    def __init__(self, host: str, port: int, scenario: Scenario, verbose: bool = False) -> None:
        self.host = host
        self.scenario = scenario
        self.verbose = verbose
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._bodies: OrderedDict[Tuple[object, ...], _Body] = OrderedDict()
        self._listener: Optional[socket.socket] = None
        self._refuse_until = 0.0
        self.port = port
        self._open_listener()
        self.last_activity = time.monotonic()
        self.stats: Dict[str, object] = {}
        self.reset_stats()

    # -- listener ------------------------------------------------------------------------
    def _open_listener(self) -> None:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((self.host, self.port))
        ls.listen(256)
        self.port = ls.getsockname()[1]
        self._listener = ls

    def refuse_for(self, seconds: float) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            self._refuse_until = time.monotonic() + seconds
            self._count("refusals")

    def serve_forever(self) -> None:
        import select

        while True:
            with self._lock:
                ls = self._listener
                if ls is None and time.monotonic() >= self._refuse_until:
                    self._open_listener()
                    ls = self._listener
            if ls is None:
                time.sleep(0.005)
                continue
            try:
                ready, _, _ = select.select([ls], [], [], 0.05)
                if not ready:
                    continue
                conn, _ = ls.accept()
            except (OSError, ValueError):  # closed under us by refuse_for()
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._count("connections")
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    # -- bookkeeping -----------------------------------------------------------------------
    def reset_stats(self) -> None:
        with self._lock:
            self.stats = {
                "connections": 0,
                "requests": 0,
                "streams": 0,
                "resumes": 0,
                "cuts": 0,
                "refusals": 0,
                "bytes_sent": 0,
                "cut_times": [],
            }

    def _count(self, key: str, by: int = 1) -> None:
        self.stats[key] = int(self.stats.get(key, 0)) + by  # type: ignore[call-overload]

    def body(self, sc: Scenario, background: bool) -> _Body:
        key = (*sc.render_key(), background)
        with self._lock:
            b = self._bodies.get(key)
            if b is not None:
                self._bodies.move_to_end(key)
                return b
        with self._render_lock:  # 32 streams opening at once render a body once, not 32 times
            with self._lock:
                b = self._bodies.get(key)
            if b is None:
                b = _Body(sc, background)
        with self._lock:
            self._bodies[key] = b
            while sum(x.nbytes for x in self._bodies.values()) > CACHE_LIMIT and len(self._bodies) > 1:
                self._bodies.popitem(last=False)
        return b

    # -- HTTP --------------------------------------------------------------------------------
    def _handle(self, conn: socket.socket) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                method, target, version, headers = parse_head(head)
                if headers.get("expect", "").lower() == "100-continue":
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    body, buf = self._read_chunked_body(conn, buf)
                else:
                    length = int(headers.get("content-length", "0") or 0)
                    while len(buf) < length:
                        data = conn.recv(max(65536, length - len(buf)))
                        if not data:
                            return
                        buf += data
                    body, buf = buf[:length], buf[length:]
                self.last_activity = time.monotonic()
                with self._lock:
                    self._count("requests")
                keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                if not self._route(conn, method, target, headers, body, keep):
                    return
                if not keep:
                    return
        except (OSError, ValueError) as exc:
            if self.verbose:
                print(f"connection error: {exc!r}", file=sys.stderr)
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _read_chunked_body(self, conn: socket.socket, buf: bytes) -> Tuple[bytes, bytes]:
        def more() -> bytes:
            data = conn.recv(65536)
            if not data:
                raise ConnectionError("client closed inside a chunked request body")
            return data

        out = b""
        while True:
            while b"\r\n" not in buf:
                buf += more()
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                buf += more()
            out += buf[:size]
            buf = buf[size + 2 :]
            if size == 0:
                return out, buf

    def _send_simple(self, conn: socket.socket, status: str, obj: object, keep: bool) -> bool:
        payload = json.dumps(obj).encode()
        close = "" if keep else "connection: close\r\n"
        head = (
            f"HTTP/1.1 {status}\r\nserver: bench\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\n{close}\r\n"
        )
        conn.sendall(head.encode() + payload)
        return True

    def _route(
        self, conn: socket.socket, method: str, target: str, headers: Dict[str, str], body: bytes, keep: bool
    ) -> bool:
        url = urlsplit(target)
        parts = [p for p in url.path.split("/") if p]
        query = dict(parse_qsl(url.query))
        form: Dict[str, Any] = {}
        ctype = headers.get("content-type", "")
        if body and "application/x-www-form-urlencoded" in ctype:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        elif body and "json" in ctype:
            try:
                loaded = json.loads(body)
                if isinstance(loaded, dict):
                    form = {str(k): v for k, v in loaded.items()}
            except ValueError:
                pass

        if parts[:1] == ["_bench"]:
            return self._route_control(conn, method, parts[1:], query, form, keep)
        if parts == ["health"]:
            return self._send_simple(conn, "200 OK", {"status": "ok", "instantiated_at": CREATED_AT}, keep)
        agent = {
            "id": AGENT_ID,
            "name": AGENT_NAME,
            "db_id": "bench-db",
            "model": {"name": "OpenAIChat", "model": "gpt-fake", "provider": "OpenAI"},
        }
        if parts == ["config"]:
            return self._send_simple(
                conn,
                "200 OK",
                {
                    "os_id": "bench",
                    "name": "bench",
                    "agents": [agent],
                    "teams": [],
                    "workflows": [],
                    "databases": ["bench-db"],
                },
                keep,
            )
        if parts == ["agents"] and method == "GET":
            return self._send_simple(conn, "200 OK", [agent], keep)
        if len(parts) >= 2 and parts[0] == "agents":
            if parts[1] != AGENT_ID:
                return self._send_simple(conn, "404 Not Found", {"detail": "Agent not found"}, keep)
            if len(parts) == 2 and method == "GET":
                return self._send_simple(conn, "200 OK", agent, keep)
            if len(parts) == 3 and parts[2] == "runs" and method == "POST":
                return self._create_run(conn, form, keep)
            if len(parts) == 5 and parts[2] == "runs" and parts[4] == "resume" and method == "POST":
                return self._resume_run(conn, parts[3], form, keep)
        return self._send_simple(conn, "404 Not Found", {"detail": "Not Found"}, keep)

    def _route_control(
        self,
        conn: socket.socket,
        method: str,
        parts: List[str],
        query: Dict[str, str],
        form: Dict[str, Any],
        keep: bool,
    ) -> bool:
        if parts == ["scenario"]:
            if method == "POST" or query:
                try:
                    with self._lock:
                        base = self.scenario
                    spec: Dict[str, object] = {**query, **form}
                    fresh = spec.pop("_reset", None)
                    sc = Scenario.from_dict(spec, Scenario() if fresh else base)
                except (TypeError, ValueError) as exc:
                    return self._send_simple(conn, "400 Bad Request", {"detail": str(exc)}, keep)
                self.body(sc, True)  # pre-render now, not inside a timed run
                with self._lock:
                    self.scenario = sc
            return self._send_simple(conn, "200 OK", self.scenario.to_dict(), keep)
        if parts == ["stats"]:
            with self._lock:
                snap = dict(self.stats)
            return self._send_simple(conn, "200 OK", snap, keep)
        if parts == ["reset"]:
            self.reset_stats()
            return self._send_simple(conn, "200 OK", {}, keep)
        return self._send_simple(conn, "404 Not Found", {"detail": "Not Found"}, keep)

    # -- runs --------------------------------------------------------------------------------
    def _create_run(self, conn: socket.socket, form: Dict[str, Any], keep: bool) -> bool:
        sc = self.scenario
        stream = str(form.get("stream", "true")).lower() != "false"
        background = str(form.get("background", "false")).lower() == "true"
        if not stream:
            if background:
                return self._send_simple(
                    conn, "202 Accepted", {"run_id": RUN_ID, "session_id": SESSION_ID, "status": "PENDING"}, keep
                )
            b = self.body(sc, background)
            out = {
                "run_id": RUN_ID,
                "agent_id": AGENT_ID,
                "agent_name": AGENT_NAME,
                "session_id": SESSION_ID,
                "content": b.renderer.joined_content(),
                "content_type": "str",
                "status": "COMPLETED",
                "created_at": CREATED_AT,
                "model": "gpt-fake",
                "model_provider": "OpenAI",
                "metrics": {"input_tokens": 10, "output_tokens": sc.n, "total_tokens": sc.n + 10},
            }
            return self._send_simple(conn, "200 OK", out, keep)
        with self._lock:
            self._count("streams")
        return self._stream(conn, sc, self.body(sc, background), 0, [], keep)

    def _resume_run(self, conn: socket.socket, run_id: str, form: Dict[str, Any], keep: bool) -> bool:
        sc = self.scenario
        with self._lock:
            self._count("resumes")
        if run_id != RUN_ID:
            meta = meta_frame("error", {"error": f"Run {run_id} not found in buffer or database"})
            return self._stream(conn, sc, None, 0, [meta], keep)
        if sc.stale and keep:
            # A worker that does not hold the run (uvicorn --workers N, no Redis): a replay
            # RUNNING with no events. Only a resume sent with "Connection: close" (the client's
            # fresh connection) gets the live answer, so every cut is healed by a hedged resume.
            stale = meta_frame(
                "replay",
                {"run_id": RUN_ID, "status": "RUNNING", "total_events": 0, "message": "Run RUNNING. No events."},
            )
            return self._stream(conn, sc, None, 0, [stale], keep)
        body = self.body(sc, True)
        raw_last = form.get("last_event_index")
        last = int(raw_last) if raw_last not in (None, "") else -1
        start = max(0, last + 1)
        ahead = [b for b in sc.cut_boundaries() if b >= start]
        if ahead:
            # The run is still live: catch_up (when events were missed), the missed events,
            # subscribed, then live events until the next cut.
            count = ahead[0] - start + 1
            missed = max(0, min(10, count - 1))
            sub = meta_frame(
                "subscribed", {"run_id": RUN_ID, "status": "running", "message": "Subscribed to live events."}
            )
            if missed == 0:
                return self._stream(conn, sc, body, start, [sub], keep)
            pre = [
                meta_frame(
                    "catch_up",
                    {
                        "run_id": RUN_ID,
                        "status": "running",
                        "missed_events": missed,
                        "current_event_count": start + missed,
                        "message": f"Catching up on {missed} missed events.",
                    },
                ),
            ]
            return self._stream(conn, sc, body, start, pre, keep, insert_after=(start + missed, sub))
        replay = max(0, body.total - start)
        pre = [
            meta_frame(
                "replay",
                {
                    "run_id": RUN_ID,
                    "status": "COMPLETED",
                    "total_events": replay,
                    "total_buffered": body.total,
                    "last_event_index_requested": last,
                    "message": f"Run COMPLETED. Replaying {replay} missed events (of {body.total} total).",
                },
            ),
        ]
        return self._stream(conn, sc, body, start, pre, keep)

    def _stream(
        self,
        conn: socket.socket,
        sc: Scenario,
        body: Optional[_Body],
        start: int,
        pre: List[bytes],
        keep: bool,
        insert_after: Optional[Tuple[int, bytes]] = None,
    ) -> bool:
        """Send one SSE response: ``pre`` frames, then frames ``start..`` until the terminal
        or the next cut. Returns False when the connection was cut (closed)."""
        head = (
            "HTTP/1.1 200 OK\r\nserver: bench\r\ncache-control: no-cache\r\nx-accel-buffering: no\r\n"
            "content-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n"
            + ("" if keep else "connection: close\r\n")
            + "\r\n"
        ).encode()
        chunk = sc.chunk
        sent = 0

        def send(bufs: List[bytes]) -> None:
            nonlocal sent
            _sendmsg_all(conn, bufs)
            sent += sum(len(b) for b in bufs)

        def send_frames(frames: List[bytes]) -> None:
            if frames:
                send([b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in frames)])

        send([head])
        if sc.delay > 0:
            time.sleep(sc.delay)
        send_frames(pre)
        cut_at: Optional[int] = None
        if body is not None:
            stop = body.total
            ahead = [b for b in sc.cut_boundaries() if b >= start]
            if ahead and body.renderer.background:
                cut_at = ahead[0]
                stop = cut_at + 1
            segments = [(start, stop)]
            if insert_after is not None and start < insert_after[0] < stop:
                segments = [(start, insert_after[0]), (insert_after[0], stop)]
            for k, (a, b) in enumerate(segments):
                if k == 1 and insert_after is not None:
                    send_frames([insert_after[1]])
                for bufs in body.chunked_blocks(a, b, chunk):
                    send(bufs)
        if cut_at is not None:
            if sc.refuse > 0:
                self.refuse_for(sc.refuse)
            if sc.cut_mode == "rst":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            else:
                conn.shutdown(socket.SHUT_WR)
            conn.close()
            with self._lock:
                self._count("cuts")
                self._count("bytes_sent", sent)
                self.stats["cut_times"].append(time.monotonic())  # type: ignore[attr-defined]
            return False
        send([b"0\r\n\r\n"])
        with self._lock:
            self._count("bytes_sent", sent + 5)
        return True


def parse_head(head: bytes) -> Tuple[str, str, str, Dict[str, str]]:
    """An HTTP/1.1 request head (without its blank line): method, target, version, headers
    (names lower-cased)."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return method, target, version, headers


def _sendmsg_all(conn: socket.socket, bufs: List[bytes]) -> None:
    views = [memoryview(b) for b in bufs if len(b)]
    while views:
        n = conn.sendmsg(views)
        while n and views:
            if n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][n:]
                n = 0


def _watchdog(server: Server, parent_pid: int, idle: float, lifetime: float) -> None:
    started = time.monotonic()
    while True:
        time.sleep(0.5)
        now = time.monotonic()
        gone = False
        if parent_pid:
            try:
                os.kill(parent_pid, 0)
            except OSError:
                gone = True
        if gone or now - started > lifetime or now - server.last_activity > idle:
            os._exit(0)


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--scenario", default="", help="initial scenario, e.g. n=100000,frame=390,chunk=65536")
    ap.add_argument("--parent-pid", type=int, default=0, help="exit when this process is gone")
    ap.add_argument("--idle-exit", type=float, default=300.0, help="exit after that many idle seconds")
    ap.add_argument("--max-lifetime", type=float, default=3600.0, help="exit after that many seconds")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("this benchmark server listens on loopback only")
    server = Server(args.host, args.port, Scenario.parse(args.scenario), verbose=args.verbose)
    server.body(server.scenario, True)
    threading.Thread(
        target=_watchdog, args=(server, args.parent_pid, args.idle_exit, args.max_lifetime), daemon=True
    ).start()
    print(f"LISTENING {server.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
