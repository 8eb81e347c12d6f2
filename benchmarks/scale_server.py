"""An asyncio AgentOS emulation that holds thousands of open background streams in one process,
driven phase by phase, for the scale and thundering-herd benchmarks (issue 27).

One event loop, no thread per connection: an open stream costs the server a registered writer
and two waiting futures, so 1,000 idle streams cost it nothing while the client is measured.
Every run is a real run: its own ``run_id`` (the create's ``run_id`` form field, as agno takes it,
else a new one), its own session, a buffer of published events that ``/resume`` replays from
``last_event_index`` (``catch_up`` + missed events + ``subscribed``, then live; ``replay`` once the
run finished; an ``event: error`` frame for an unknown run), so after any cut every stream can
resume exactly. Frames copy ``../shared/wire/run_background_stream.sse`` (compact JSON for run
events, ``json.dumps`` default separators for meta frames), one HTTP chunk per frame as uvicorn
sends them. A run is, by ``event_index``: RunStarted, ModelRequestStarted (sent with the response
head), RunContent events as the phases publish them, then at ``finish`` ModelRequestCompleted,
RunContentCompleted and RunCompleted (the joined content), and the end of the body.

Endpoints: ``POST /agents/{id}/runs`` (form), ``POST /agents/{id}/runs/{run_id}/resume``,
``GET /agents/{id}/runs?session_id=``, ``GET /agents/{id}/runs/{run_id}``, ``/health``,
``/config``, ``/agents``; a create whose ``message`` is ``warmup`` is a whole short run at once.
Controls (``POST /_scale/<name>``, query string parameters, JSON answers):

- ``reset``: forget every run and counter.
- ``stats`` (GET): runs, open streams, live runs (a subscriber that got its head), the server's
  CPU seconds, requests by kind.
- ``burst?events=E``: publish E RunContent events to every run at once (each connection gets one
  write), as fast as the kernel takes them.
- ``pace?rate=R&seconds=D``: publish ``round(R*D)`` events to every run, R per second per run,
  the runs' phases spread evenly over 1/R; each frame carries ``"sent_ns"``, the server's
  ``time.monotonic_ns()`` taken just before that frame's write (CLOCK_MONOTONIC, comparable
  across processes), so a client can time the write -> loop delay. Answers when it is done.
- ``finish``: publish every run's tail and end its body (keep-alive).
- ``cut?refuse=T&missed=K&stale_first=0|1&mode=fin|rst``: cut every open stream at once (FIN
  without the terminating chunk, or RST); with T > 0 close the listening socket too and reopen
  it T seconds later (a restart: connections are refused meanwhile); publish K events to every
  run while its clients are away; with ``stale_first=1`` the first resume of each run after the
  cut is answered like a worker that does not hold the run (``replay`` RUNNING, no events), so
  the client's hedged resumes are exercised.
- ``log?since=NS`` (GET): every request since that instant: ``[t_ns, kind, run_id, answer,
  fresh]`` (``fresh``: sent with ``Connection: close``, the client's hedged resumes).

Run: ``python -m benchmarks.scale_server [--port 0]``; it prints ``LISTENING <port>`` and exits
by itself (parent gone, idle or lifetime limit).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import sys
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, urlsplit

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.frames import _TOKENS_JSON, AGENT_ID, AGENT_NAME, CREATED_AT, TOKENS
from benchmarks.sse_server import _watchdog, parse_head

FRAME_BYTES = 390  # a RunContent frame's size (blank line included), as in the other benchmarks
_END = b"0\r\n\r\n"


def _chunk(frame: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(frame), frame)


def _meta(event: str, payload: Dict[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (event.encode(), json.dumps({"event": event, **payload}).encode())


class Run:
    """One background run: its published events, its subscribers (open streams) and its end."""

    def __init__(self, run_id: str, session_id: str, metadata: Any) -> None:
        self.run_id = run_id
        self.session_id = session_id
        self.metadata = metadata
        self.published = 2  # RunStarted and ModelRequestStarted, sent with the response head
        self.content_end: Optional[int] = None  # set at finish: the first tail index
        self.subs: Set[Sub] = set()
        self.stale_next = False
        common = (
            f'{{"created_at":{CREATED_AT},"event":"%s","agent_id":"{AGENT_ID}","agent_name":"{AGENT_NAME}",'
            f'"run_id":"{run_id}","session_id":"{session_id}","nested_depth":0'
        ).encode()
        self._common = common
        self._content_pre = b"event: RunContent\ndata: " + (common % b"RunContent") + b',"content":"'
        pad = max(8, FRAME_BYTES - len(self._content_pre) - 140)
        self._content_mid = (
            b'","workflow_agent":false,"content_type":"str","reasoning_content":"",'
            b'"model_provider_data":{"id":"chatcmpl-' + b"7014d3f9" + b"0" * pad + b'"},"event_index":'
        )

    @property
    def total(self) -> Optional[int]:
        return None if self.content_end is None else self.content_end + 3

    def _plain(self, event: bytes, extra: bytes, index: int) -> bytes:
        return b'event: %s\ndata: %s%s,"event_index":%d}\n\n' % (event, self._common % event, extra, index)

    def content(self, index: int, sent_ns: Optional[int] = None) -> bytes:
        stamp = b"" if sent_ns is None else b',"sent_ns":%d' % sent_ns
        tok = _TOKENS_JSON[(index - 2) % len(_TOKENS_JSON)]
        return b"%s%s%s%d%s}\n\n" % (self._content_pre, tok, self._content_mid, index, stamp)

    def frame(self, index: int) -> bytes:
        if index == 0:
            return self._plain(b"RunStarted", b',"model":"gpt-fake","model_provider":"OpenAI"', 0)
        if index == 1:
            return self._plain(b"ModelRequestStarted", b',"model":"gpt-fake","model_provider":"OpenAI"', 1)
        end = self.content_end
        if end is None or index < end:
            return self.content(index)
        n = end - 2
        if index == end:
            extra = b',"model":"gpt-fake","model_provider":"OpenAI","input_tokens":10,"output_tokens":%d' % n
            return self._plain(b"ModelRequestCompleted", extra, index)
        if index == end + 1:
            return self._plain(b"RunContentCompleted", b"", index)
        content = json.dumps(joined_content(n)).encode()
        extra = (
            b',"content":%s,"content_type":"str","model_provider_data":{"id":"chatcmpl-7014d3f9"},'
            b'"session_state":{},"metrics":{"input_tokens":10,"output_tokens":%d,"total_tokens":%d}'
            % (content, n, n + 10)
        )
        return self._plain(b"RunCompleted", extra, index)

    def chunks(self, start: int, stop: int) -> bytes:
        return b"".join(_chunk(self.frame(i)) for i in range(start, stop))


def joined_content(n: int) -> str:
    """The RunCompleted content of a run with ``n`` RunContent events (their tokens joined)."""
    k, r = divmod(n, len(TOKENS))
    return "".join(TOKENS) * k + "".join(TOKENS[:r])


class Sub:
    """One open stream response: the connection's writer and what ends the stream."""

    __slots__ = ("done", "head_sent", "run", "writer")

    def __init__(self, run: Run, writer: asyncio.StreamWriter) -> None:
        self.run = run
        self.writer = writer
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()  # True: keep-alive
        self.head_sent = False

    def write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)


class Server:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.runs: Dict[str, Run] = {}
        self.by_session: Dict[str, List[Run]] = {}
        self.log: List[Tuple[int, str, str, str, int]] = []
        self.listener: Optional[asyncio.base_events.Server] = None
        self.last_activity = time.monotonic()
        self.refused_until = 0.0
        self.cuts = 0

    async def start(self) -> None:
        self.listener = await asyncio.start_server(
            self.handle, self.host, self.port, backlog=4096, reuse_address=True, limit=1 << 20
        )
        self.port = self.listener.sockets[0].getsockname()[1]

    def reset(self) -> None:
        for run in self.runs.values():
            for sub in list(run.subs):
                sub.writer.transport.abort()
        self.runs.clear()
        self.by_session.clear()
        self.log.clear()

    # -- HTTP ----------------------------------------------------------------------------------
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, version, headers = parse_head(head[:-4])
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                self.last_activity = time.monotonic()
                keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                fresh = 0 if keep else 1
                if not await self.route(reader, writer, method, target, headers, body, keep, fresh) or not keep:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def send_json(self, writer: asyncio.StreamWriter, status: str, obj: Any, keep: bool) -> bool:
        payload = json.dumps(obj).encode()
        close = b"" if keep else b"connection: close\r\n"
        writer.write(
            b"HTTP/1.1 %s\r\nserver: scale-bench\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s"
            % (status.encode(), len(payload), close, payload)
        )
        return True

    def note(self, kind: str, key: str, answer: str, fresh: int) -> None:
        self.log.append((time.monotonic_ns(), kind, key, answer, fresh))

    async def route(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        target: str,
        headers: Dict[str, str],
        body: bytes,
        keep: bool,
        fresh: int,
    ) -> bool:
        url = urlsplit(target)
        parts = [p for p in url.path.split("/") if p]
        query = dict(parse_qsl(url.query))
        form: Dict[str, str] = {}
        if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if parts[:1] == ["_scale"]:
            return await self.control(writer, method, parts[1:], query, keep)
        agent = {"id": AGENT_ID, "name": AGENT_NAME, "db_id": "bench-db"}
        if parts == ["health"]:
            return self.send_json(writer, "200 OK", {"status": "ok"}, keep)
        if parts == ["config"]:
            cfg = {"os_id": "scale", "agents": [agent], "teams": [], "workflows": [], "databases": ["bench-db"]}
            return self.send_json(writer, "200 OK", cfg, keep)
        if parts == ["agents"]:
            return self.send_json(writer, "200 OK", [agent], keep)
        if len(parts) >= 2 and parts[0] == "agents" and parts[1] == AGENT_ID:
            if len(parts) == 3 and parts[2] == "runs" and method == "POST":
                return await self.create(reader, writer, form, keep, fresh)
            if len(parts) == 5 and parts[2] == "runs" and parts[4] == "resume" and method == "POST":
                return await self.resume(reader, writer, parts[3], form, keep, fresh)
            if len(parts) == 3 and parts[2] == "runs" and method == "GET":
                runs = self.by_session.get(query.get("session_id", ""), [])
                self.note("list", runs[0].run_id if runs else "", "ok" if runs else "404", fresh)
                if not runs:
                    return self.send_json(writer, "404 Not Found", {"detail": "Session not found"}, keep)
                return self.send_json(writer, "200 OK", [self.run_json(r) for r in runs], keep)
            if len(parts) == 4 and parts[2] == "runs" and method == "GET":
                run = self.runs.get(parts[3])
                self.note("get", parts[3], "ok" if run else "404", fresh)
                if run is None:
                    return self.send_json(writer, "404 Not Found", {"detail": "Run not found"}, keep)
                return self.send_json(writer, "200 OK", self.run_json(run), keep)
        self.note("other", target, "404", fresh)
        return self.send_json(writer, "404 Not Found", {"detail": "Not Found"}, keep)

    def run_json(self, run: Run) -> Dict[str, Any]:
        done = run.content_end is not None
        out: Dict[str, Any] = {
            "run_id": run.run_id,
            "session_id": run.session_id,
            "agent_id": AGENT_ID,
            "status": "COMPLETED" if done else "RUNNING",
            "created_at": CREATED_AT,
            "metadata": run.metadata,
        }
        if done:
            out["content"] = joined_content(run.published - 5)
        return out

    # -- runs ----------------------------------------------------------------------------------
    async def create(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, form: Dict[str, str], keep: bool, fresh: int
    ) -> bool:
        run_id = form.get("run_id") or str(uuid.uuid4())
        session_id = form.get("session_id") or str(uuid.uuid4())
        try:
            metadata = json.loads(form["metadata"]) if form.get("metadata") else None
        except ValueError:
            metadata = None
        run = Run(run_id, session_id, metadata)
        self.runs[run_id] = run
        self.by_session.setdefault(session_id, []).append(run)
        self.note("create", run_id, "live", fresh)
        if form.get("message") == "warmup":  # a whole short run at once: warms a client's code paths
            run.published = 52
            self.finish_run(run)
            writer.write(self.stream_head(keep) + run.chunks(0, run.published) + _END)
            return True
        return await self.serve(reader, writer, run, run.chunks(0, run.published), keep)

    async def resume(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        run_id: str,
        form: Dict[str, str],
        keep: bool,
        fresh: int,
    ) -> bool:
        run = self.runs.get(run_id)
        raw = form.get("last_event_index")
        start = int(raw) + 1 if raw not in (None, "") else 0
        if run is None:
            self.note("resume", run_id, "error", fresh)
            frame = _meta("error", {"error": f"Run {run_id} not found in buffer or database"})
            writer.write(self.stream_head(keep) + _chunk(frame) + _END)
            return True
        if run.stale_next:
            # A worker without the run (uvicorn --workers N without Redis): RUNNING, no events.
            run.stale_next = False
            self.note("resume", run_id, "stale", fresh)
            frame = _meta(
                "replay", {"run_id": run_id, "status": "RUNNING", "total_events": 0, "message": "Run RUNNING."}
            )
            writer.write(self.stream_head(keep) + _chunk(frame) + _END)
            return True
        start = max(0, start)
        if run.content_end is not None:
            total = run.published
            count = max(0, total - start)
            meta = _meta(
                "replay",
                {
                    "run_id": run_id,
                    "status": "COMPLETED",
                    "total_events": count,
                    "total_buffered": total,
                    "last_event_index_requested": start - 1,
                    "message": f"Run COMPLETED. Replaying {count} missed events (of {total} total).",
                },
            )
            self.note("resume", run_id, "replay", fresh)
            writer.write(self.stream_head(keep) + _chunk(meta) + run.chunks(start, total) + _END)
            return True
        self.note("resume", run_id, "live", fresh)
        missed = max(0, run.published - start)
        first = b""
        if missed:
            first = _chunk(
                _meta(
                    "catch_up",
                    {
                        "run_id": run_id,
                        "status": "running",
                        "missed_events": missed,
                        "current_event_count": run.published,
                        "message": f"Catching up on {missed} missed events.",
                    },
                )
            )
        first += run.chunks(start, run.published)
        first += _chunk(
            _meta("subscribed", {"run_id": run_id, "status": "running", "message": "Subscribed to live events."})
        )
        return await self.serve(reader, writer, run, first, keep)

    def stream_head(self, keep: bool) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nserver: scale-bench\r\ncache-control: no-cache\r\nx-accel-buffering: no\r\n"
            b"content-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n"
            + (b"" if keep else b"connection: close\r\n")
            + b"\r\n"
        )

    async def serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, run: Run, first: bytes, keep: bool
    ) -> bool:
        """Write the head and ``first``, then hold the stream open as one of the run's subscribers
        until the run finishes (True: the connection stays open), the stream is cut or the
        client goes away (False)."""
        sub = Sub(run, writer)
        run.subs.add(sub)
        writer.write(self.stream_head(keep) + first)
        sub.head_sent = True
        gone = asyncio.ensure_future(reader.read(1))  # a client that closes its side ends the stream
        try:
            await asyncio.wait({gone, sub.done}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            run.subs.discard(sub)
        if sub.done.done():
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await gone
            return sub.done.result()
        return False

    def publish(self, run: Run, count: int, sent_ns: Optional[int] = None) -> None:
        start = run.published
        run.published += count
        if not run.subs:
            return
        if sent_ns is None:
            data = run.chunks(start, run.published)
        else:
            data = b"".join(_chunk(run.content(i, sent_ns)) for i in range(start, run.published))
        for sub in run.subs:
            sub.write(data)

    def finish_run(self, run: Run) -> None:
        run.content_end = run.published
        start = run.published
        run.published += 3
        data = run.chunks(start, run.published) + _END
        for sub in list(run.subs):
            sub.write(data)
            if not sub.done.done():
                sub.done.set_result(True)

    # -- controls ------------------------------------------------------------------------------
    async def control(
        self, writer: asyncio.StreamWriter, method: str, parts: List[str], query: Dict[str, str], keep: bool
    ) -> bool:
        name = parts[0] if parts else ""
        live = [r for r in self.runs.values() if r.content_end is None]
        if name == "reset":
            self.reset()
            return self.send_json(writer, "200 OK", {}, keep)
        if name == "stats":
            kinds: Dict[str, int] = {}
            for entry in self.log:
                kinds[entry[1]] = kinds.get(entry[1], 0) + 1
            out = {
                "runs": len(self.runs),
                "open": sum(len(r.subs) for r in self.runs.values()),
                "live": sum(1 for r in live if any(s.head_sent for s in r.subs)),
                "published_min": min((r.published for r in live), default=0),
                "cpu_s": time.process_time(),
                "requests": kinds,
                "now_ns": time.monotonic_ns(),
            }
            return self.send_json(writer, "200 OK", out, keep)
        if name == "burst":
            events = int(query.get("events", "100"))
            t0 = time.monotonic_ns()
            c0 = time.process_time()
            for run in live:
                self.publish(run, events)
            out = {"t0_ns": t0, "runs": len(live), "cpu_s": time.process_time() - c0}
            return self.send_json(writer, "200 OK", out, keep)
        if name == "pace":
            out = await self.pace(live, float(query.get("rate", "20")), float(query.get("seconds", "3")))
            return self.send_json(writer, "200 OK", out, keep)
        if name == "finish":
            for run in live:
                self.finish_run(run)
            return self.send_json(writer, "200 OK", {"finished": len(live)}, keep)
        if name == "cut":
            out = self.cut(
                live,
                float(query.get("refuse", "0")),
                int(query.get("missed", "0")),
                query.get("stale_first", "0") == "1",
                query.get("mode", "fin"),
            )
            return self.send_json(writer, "200 OK", out, keep)
        if name == "log":
            since = int(query.get("since", "0"))
            return self.send_json(writer, "200 OK", [e for e in self.log if e[0] >= since], keep)
        return self.send_json(writer, "404 Not Found", {"detail": "no such control"}, keep)

    async def pace(self, runs: List[Run], rate: float, seconds: float) -> Dict[str, Any]:
        count = max(1, round(rate * seconds))
        period = 1.0 / rate
        n = max(1, len(runs))
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.05
        c0 = time.process_time()
        late = 0.0
        for k in range(count):
            for j, run in enumerate(runs):
                due = t0 + k * period + j * period / n
                ahead = due - loop.time()
                if ahead > 0.0005:
                    await asyncio.sleep(ahead)
                else:
                    late = max(late, -ahead)
                self.publish(run, 1, time.monotonic_ns())
        return {"events": count, "runs": len(runs), "cpu_s": time.process_time() - c0, "max_late_s": late}

    def cut(self, runs: List[Run], refuse: float, missed: int, stale_first: bool, mode: str) -> Dict[str, Any]:
        t_cut = time.monotonic_ns()
        if refuse > 0 and self.listener is not None:
            self.listener.close()
            self.listener = None
            asyncio.get_running_loop().call_later(refuse, lambda: asyncio.ensure_future(self.reopen()))
        cut = 0
        for run in self.runs.values():
            for sub in list(run.subs):
                transport = sub.writer.transport
                if mode == "rst":
                    sock = transport.get_extra_info("socket")
                    if sock is not None:
                        with contextlib.suppress(OSError):
                            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    transport.abort()
                else:
                    transport.close()  # what was written goes out, then FIN: no terminating chunk
                if not sub.done.done():
                    sub.done.set_result(False)
                cut += 1
            run.subs.clear()
        for run in runs:
            run.published += missed  # the model goes on while its clients are away
            run.stale_next = stale_first
        self.cuts += 1
        return {"t_cut_ns": t_cut, "cut": cut, "runs": len(runs)}

    async def reopen(self) -> None:
        for _ in range(200):
            try:
                await self.start()
                return
            except OSError:
                await asyncio.sleep(0.01)


def raise_nofile() -> int:
    """Raise this process's open-file limit to its hard limit (1,000 streams need 1,000 sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def _main(args: argparse.Namespace) -> None:
    server = Server(args.host, args.port)
    await server.start()
    # sse_server's watchdog, on a thread of its own: it reads ``server.last_activity`` only.
    threading.Thread(
        target=_watchdog, args=(server, args.parent_pid, args.idle_exit, args.max_lifetime), daemon=True
    ).start()
    print(f"LISTENING {server.port}", flush=True)
    await asyncio.Event().wait()


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--parent-pid", type=int, default=0, help="exit when this process is gone")
    ap.add_argument("--idle-exit", type=float, default=300.0, help="exit after that many idle seconds")
    ap.add_argument("--max-lifetime", type=float, default=1800.0, help="exit after that many seconds")
    args = ap.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("this benchmark server listens on loopback only")
    raise_nofile()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
