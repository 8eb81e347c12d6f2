"""A fault-injecting TCP proxy for the integration suite (stdlib sockets and threads).

    proxy = FaultProxy(upstream_port)          # listens on 127.0.0.1:<free port> at once
    proxy.url                                  # "http://127.0.0.1:<port>"
    proxy.cut_after_bytes(600)                 # next response: deliver 600 bytes, then RST
    proxy.cut_after_bytes(600, times=None)     # every response
    proxy.cut_after_bytes(80, path="/runs$")   # only responses to requests whose path matches
    proxy.cut_random(200, 4000, seed=7)        # every response cut at a seeded random byte
    proxy.stall(after_bytes=500, seconds=3)    # next response freezes for 3 s after 500 bytes
    proxy.refuse(count=2)                      # next 2 connections: accepted then reset at once
    proxy.refuse(seconds=1.5, mode="close")    # listener closed: real ECONNREFUSED for 1.5 s
    proxy.cut_all()                            # RST every live connection now
    proxy.clear()                              # drop all rules (releases stalls)
    proxy.reset()                              # clear() + cut_all() + zero the counters
    proxy.connections, proxy.requests, proxy.cuts, proxy.refused, proxy.stalls, proxy.active
    proxy.exchanges                            # [{"request": "POST /agents/a/runs", "bytes": 1234, "cut": True}]
    proxy.close()
    FaultProxy(port_a, more_upstream_ports=[port_b])   # round-robin: connection n goes to replica n % 2

Byte counting is PER RESPONSE, not per connection, so pooled keep-alive connections behave: a
connection carries request, response, request, response (HTTP/1.1 without pipelining), and the
proxy starts a new exchange whenever the client sends bytes after the upstream has sent some.
The byte offset of a rule counts from the first byte of that response's status line, so
``cut_after_bytes(n)`` with n smaller than the header block cuts inside the headers. Each rule is
bound to an exchange when its request starts; ``times`` counts exchanges (``None`` = forever),
including exchanges whose response ended before the offset (the rule then does nothing there).

A cut forwards exactly n bytes of the response and then kills both sides of the connection: the
client gets a TCP RST (SO_LINGER 0) by default, or a clean FIN with ``mode="fin"``; the upstream
socket is closed, so the server sees a disconnect. The whole connection dies with the cut, so a
pooled client must reconnect.
"""

import contextlib
import random
import re
import socket
import struct
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

_RECV = 65536
_LINGER_RST = struct.pack("ii", 1, 0)


class _Rule:
    def __init__(
        self,
        kind: str,
        times: Optional[int],
        path: Optional[str],
        at: Callable[[], int],
        seconds: float = 0.0,
        mode: str = "rst",
    ):
        self.kind = kind  # "cut" | "stall"
        self.times = times
        self.path = re.compile(path) if path else None
        self.at = at
        self.seconds = seconds
        self.mode = mode

    def take(self, request_line: str) -> Optional[int]:
        """Bind to an exchange if it matches: returns the byte offset, or None."""
        if self.times is not None and self.times <= 0:
            return None
        if self.path is not None:
            parts = request_line.split(" ")
            target = parts[1] if len(parts) > 1 else ""
            if not self.path.search(target.split("?", 1)[0]):
                return None
        if self.times is not None:
            self.times -= 1
        return self.at()


class _Conn:
    """One proxied connection: two pump threads."""

    def __init__(self, proxy: "FaultProxy", client: socket.socket, upstream: socket.socket):
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.dead = threading.Event()
        self._lock = threading.Lock()
        # current exchange
        self.exchange: Optional[Dict[str, Any]] = None
        self.down_bytes = 0
        self.cut_at: Optional[int] = None
        self.cut_mode = "rst"
        self.stall_at: Optional[int] = None
        self.stall_seconds = 0.0

    def start(self) -> None:
        threading.Thread(target=self._pump_up, name="proxy-up", daemon=True).start()
        threading.Thread(target=self._pump_down, name="proxy-down", daemon=True).start()

    def kill(self, mode: str = "rst") -> None:
        with self._lock:
            if self.dead.is_set():
                return
            self.dead.set()
        # close() alone does not close a socket another thread is blocked in recv() on (the
        # kernel file stays referenced until that call returns): shutdown wakes the pumps first.
        # SHUT_RD sends nothing, so with SO_LINGER 0 the final close is a pure RST, no FIN.
        try:
            if mode == "rst":
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
                self.client.shutdown(socket.SHUT_RD)
            else:
                self.client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            self.upstream.shutdown(socket.SHUT_RDWR)
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.close()
        self.proxy._forget(self)

    def _new_exchange(self, first_chunk: bytes) -> None:
        line = first_chunk.split(b"\r\n", 1)[0][:2048].decode("latin-1", "replace")
        parts = line.split(" ")
        ex = {"request": " ".join(parts[:2]), "bytes": 0, "cut": False}
        cut_at, cut_mode, stall_at, stall_seconds = self.proxy._bind_rules(line)
        with self._lock:
            self.exchange = ex
            self.down_bytes = 0
            self.cut_at, self.cut_mode = cut_at, cut_mode
            self.stall_at, self.stall_seconds = stall_at, stall_seconds
        self.proxy._record(ex)

    def _pump_up(self) -> None:
        try:
            while not self.dead.is_set():
                data = self.client.recv(_RECV)
                if not data:
                    break
                # A request that starts after response bytes flowed is a new exchange
                if self.exchange is None or self.down_bytes > 0:
                    self._new_exchange(data)
                self.upstream.sendall(data)
        except OSError:
            pass
        # The client closed: half-close upstream so the server sees EOF, keep pumping down
        try:
            self.upstream.shutdown(socket.SHUT_WR)
        except OSError:
            self.kill("fin")

    def _pump_down(self) -> None:
        try:
            while not self.dead.is_set():
                data = self.upstream.recv(_RECV)
                if not data:
                    break
                while data and not self.dead.is_set():
                    with self._lock:
                        pos = self.down_bytes
                        limits = [x for x in (self.cut_at, self.stall_at) if x is not None and x >= pos]
                        nxt = min(limits) if limits else None
                    n = len(data) if nxt is None else min(len(data), nxt - pos)
                    if n > 0:
                        # Counted before it is sent: once the client has the answer it may send
                        # its next request at once, which _pump_up must see as a new exchange.
                        with self._lock:
                            self.down_bytes += n
                            if self.exchange is not None:
                                self.exchange["bytes"] = self.down_bytes
                        self.client.sendall(data[:n])
                        data = data[n:]
                        self.proxy._add_bytes(n)
                    with self._lock:
                        pos = self.down_bytes
                        stall = self.stall_at is not None and pos >= self.stall_at
                        cut = self.cut_at is not None and pos >= self.cut_at
                    if stall:
                        with self._lock:
                            self.stall_at = None
                        self.proxy._count("stalls")
                        self.proxy._release.wait(self.stall_seconds)
                        continue
                    if cut:
                        if self.exchange is not None:
                            self.exchange["cut"] = True
                        self.proxy._count("cuts")
                        self.kill(self.cut_mode)
                        return
        except OSError:
            pass
        self.kill("fin")


class FaultProxy:
    """See the module docstring. Thread-safe; every method returns at once."""

    def __init__(
        self,
        upstream_port: int,
        upstream_host: str = "127.0.0.1",
        port: int = 0,
        more_upstream_ports: Sequence[int] = (),
    ):
        self.upstream = (upstream_host, upstream_port)
        # A round-robin balancer over replicas: each new client connection goes to the next port
        # (what nginx or a Kubernetes Service does with fresh connections).
        self._upstreams = [self.upstream] + [(upstream_host, p) for p in more_upstream_ports]
        self._next_upstream = 0
        self._lock = threading.Lock()
        self._conns: List[_Conn] = []
        self._rules: List[_Rule] = []
        self._release = threading.Event()  # set to end stalls early
        self._closed = False
        self._down_until = 0.0
        self._refuse_count = 0
        self._refuse_until = 0.0
        self.exchanges: List[Dict[str, Any]] = []
        self._zero()
        self._listener = self._listen(port)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="fault-proxy", daemon=True)
        self._thread.start()

    # -- public API ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._conns)

    def cut_after_bytes(self, n: int, times: Optional[int] = 1, path: Optional[str] = None, mode: str = "rst") -> None:
        """Cut the next ``times`` responses (None: all) after ``n`` bytes (headers included).

        ``path``: regex searched in the request path (query string excluded).
        ``mode``: "rst" (TCP reset) or "fin" (clean close).
        """
        self._add(_Rule("cut", times, path, lambda: n, mode=mode))

    def cut_random(
        self,
        lo: int,
        hi: int,
        seed: int = 0,
        times: Optional[int] = None,
        path: Optional[str] = None,
        mode: str = "rst",
    ) -> None:
        """Cut responses at a byte offset drawn from [lo, hi]; the sequence is fixed by ``seed``."""
        rng = random.Random(seed)
        self._add(_Rule("cut", times, path, lambda: rng.randint(lo, hi), mode=mode))

    def stall(self, after_bytes: int, seconds: float, times: Optional[int] = 1, path: Optional[str] = None) -> None:
        """Freeze the next ``times`` responses for ``seconds`` after ``after_bytes`` bytes."""
        self._release.clear()
        self._add(_Rule("stall", times, path, lambda: after_bytes, seconds=seconds))

    def refuse(self, count: Optional[int] = None, seconds: Optional[float] = None, mode: str = "rst") -> None:
        """Refuse new connections.

        mode="rst": accept and reset at once the next ``count`` connections, or every connection
        for ``seconds`` (the client sees ConnectionResetError / RemoteDisconnected).
        mode="close": close the listening socket for ``seconds`` (a real ECONNREFUSED), then listen
        again on the same port.
        """
        if mode == "close":
            if seconds is None:
                raise ValueError('refuse(mode="close") needs seconds')
            with self._lock:
                self._down_until = time.monotonic() + seconds
                listener = self._listener
            self._shut_listener(listener)
            return
        if count is None and seconds is None:
            raise ValueError("refuse() needs count or seconds")
        with self._lock:
            if count is not None:
                self._refuse_count = count
            if seconds is not None:
                self._refuse_until = time.monotonic() + seconds

    def cut_all(self, mode: str = "rst") -> int:
        """Kill every live connection now; returns how many."""
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            c.kill(mode)
        return len(conns)

    def clear(self) -> None:
        """Drop every rule and end stalls; live connections keep going."""
        with self._lock:
            self._rules.clear()
            self._refuse_count = 0
            self._refuse_until = 0.0
            self._down_until = min(self._down_until, time.monotonic())
        self._release.set()

    def reset(self) -> None:
        """clear(), kill live connections, zero the counters (between tests)."""
        self.clear()
        self.cut_all()
        with self._lock:
            self._zero()

    def wait_for(self, predicate: Callable[["FaultProxy"], bool], timeout: float = 10.0) -> bool:
        """Poll ``predicate(proxy)`` every 10 ms until true or timeout; returns the last value."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def close(self) -> None:
        self._closed = True
        self._release.set()
        self._shut_listener(self._listener)
        self.cut_all("fin")
        self._thread.join(timeout=2)

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<FaultProxy {self.port}->{self.upstream[1]} connections={self.connections} "
            f"requests={self.requests} cuts={self.cuts} refused={self.refused} active={self.active}>"
        )

    # -- internals -------------------------------------------------------------------------

    def _zero(self) -> None:
        self.connections = 0
        self.requests = 0
        self.cuts = 0
        self.refused = 0
        self.stalls = 0
        self.bytes_down = 0
        self.exchanges = []

    def _listen(self, port: int) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(256)
        s.settimeout(0.1)
        return s

    @staticmethod
    def _shut_listener(listener: socket.socket) -> None:
        # shutdown() first: close() alone would wait for the accept() blocked in _serve, and a
        # connection arriving meanwhile would be accepted, then reset, instead of refused
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()

    def _serve(self) -> None:
        while not self._closed:
            with self._lock:
                down = self._down_until > time.monotonic()
                listener = self._listener
            if listener.fileno() == -1:
                if down or self._closed:
                    time.sleep(0.01)
                    continue
                try:
                    new = self._listen(self.port)
                except OSError:
                    time.sleep(0.05)
                    continue
                with self._lock:
                    self._listener = new
                continue
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                continue
            self._accept(client)

    def _accept(self, client: socket.socket) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self.connections += 1
            refuse = self._refuse_count > 0 or self._refuse_until > time.monotonic()
            if self._refuse_count > 0:
                self._refuse_count -= 1
            if refuse:
                self.refused += 1
        if refuse:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
            client.close()
            return
        with self._lock:
            target = self._upstreams[self._next_upstream % len(self._upstreams)]
            self._next_upstream += 1
        try:
            upstream = socket.create_connection(target, timeout=5)
            upstream.settimeout(None)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            # Upstream down (e.g. the server is restarting): pass the refusal on as a reset
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
            client.close()
            with self._lock:
                self.refused += 1
            return
        conn = _Conn(self, client, upstream)
        with self._lock:
            self._conns.append(conn)
        conn.start()

    def _forget(self, conn: _Conn) -> None:
        with self._lock:
            if conn in self._conns:
                self._conns.remove(conn)

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _bind_rules(self, request_line: str) -> Tuple[Optional[int], str, Optional[int], float]:
        cut_at = stall_at = None
        cut_mode, stall_seconds = "rst", 0.0
        with self._lock:
            self.requests += 1
            for rule in list(self._rules):
                if rule.kind == "cut" and cut_at is None:
                    at = rule.take(request_line)
                    if at is not None:
                        cut_at, cut_mode = at, rule.mode
                elif rule.kind == "stall" and stall_at is None:
                    at = rule.take(request_line)
                    if at is not None:
                        stall_at, stall_seconds = at, rule.seconds
                if rule.times is not None and rule.times <= 0:
                    self._rules.remove(rule)
        return cut_at, cut_mode, stall_at, stall_seconds

    def _record(self, exchange: Dict[str, Any]) -> None:
        with self._lock:
            self.exchanges.append(exchange)
            del self.exchanges[:-1000]

    def _add_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes_down += n

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)
