"""Scenario and SSE frame rendering shared by the server and the no-I/O contender.

Frames copy the shape of a real AgentOS 3.1.10 background stream (``../shared/wire/``): compact
JSON for run events, ``json.dumps`` default separators for ``/resume`` meta frames. A run of ``n``
tokens is, by ``event_index``::

    0        RunStarted
    1        ModelRequestStarted
    2..n+1   RunContent            (each exactly ``frame`` bytes, blank line included)
    n+2      ModelRequestCompleted
    n+3      RunContentCompleted
    n+4      RunCompleted          (joined content + metrics; or exactly ``big`` bytes)

so a stream carries ``n + 5`` events. Every RunContent frame is padded to ``frame`` bytes by
lengthening ``model_provider_data.id`` (the token text stays realistic and the joined content in
RunCompleted stays the concatenation of the tokens).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict, Iterator, List, Optional, Tuple

RUN_ID = "2ffc25dd-60b6-4194-a02e-1b4c4fb91a58"
SESSION_ID = "359a7f00-5512-4bb9-bc0c-0f56afbd7ddd"
AGENT_ID = "assistant"
AGENT_NAME = "Assistant"
CREATED_AT = 1795531606
EXTRA_EVENTS = 5  # RunStarted, ModelRequestStarted, ModelRequestCompleted, RunContentCompleted, RunCompleted

_TEXT = (
    "Sure! Server-sent events are a simple way to push a stream of updates from a server to a "
    "client over one long-lived HTTP response. Each event is a few lines of text followed by a "
    "blank line; the client reads the body as it arrives, splits it into frames and decodes the "
    "JSON payload of each one. A background run keeps going when the client disconnects, and "
    "every event carries an index, so the client can ask the server to resume from the last "
    "index it holds.\n\nHere is what that means in practice: the model streams tokens, the "
    "server relays them as RunContent events, and the final RunCompleted event carries the whole "
    "answer with its metrics.\n"
)


def _tokens() -> List[str]:
    out: List[str] = []
    word = ""
    for ch in _TEXT:
        word += ch
        if ch in " \n":
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


TOKENS = _tokens()
# JSON-escaped token bytes (the newline tokens carry a real escape, as model output does).
_TOKENS_JSON = [json.dumps(t)[1:-1].encode() for t in TOKENS]


@dataclass(frozen=True)
class Scenario:
    """What the server streams for the next runs. Set it with ``POST /_bench/scenario``."""

    n: int = 100_000  # RunContent events per run
    frame: int = 390  # bytes per RunContent frame, blank line included
    big: int = 0  # > 0: the RunCompleted frame is exactly this many bytes (filler content)
    final: str = "full"  # "full": RunCompleted carries the joined content; "short": its first 1 KiB
    chunk: int = 65536  # HTTP chunk payload bytes; 0 = one HTTP chunk per SSE frame (uvicorn's way)
    cut: int = 0  # K > 0: close the connection after the frame with event_index j*K-1 (j = 1..cuts)
    cuts: int = 1  # how many such cuts per run (when cut > 0)
    cut_mode: str = "fin"  # "fin": orderly close without the terminating chunk; "rst": reset
    refuse: float = 0.0  # > 0: at each cut, close the listening socket for this many seconds
    delay: float = 0.0  # seconds to wait after the response headers (first-byte latency tests)
    stale: int = 0  # 1: a resume on a reused connection answers like a worker without the run

    @property
    def total(self) -> int:
        return self.n + EXTRA_EVENTS

    def render_key(self) -> Tuple[int, int, int, str]:
        return (self.n, self.frame, self.big, self.final)

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, object], base: Optional[Scenario] = None) -> Scenario:
        base = base or cls()
        kinds = {f.name: type(getattr(base, f.name)) for f in fields(cls)}
        changes: Dict[str, Any] = {}
        for k, v in d.items():
            if k not in kinds:
                raise ValueError(f"unknown scenario field {k!r} (known: {', '.join(kinds)})")
            changes[k] = kinds[k](v)
        sc = replace(base, **changes)
        if sc.final not in ("full", "short") or sc.cut_mode not in ("fin", "rst"):
            raise ValueError(f"bad scenario {sc}")
        return sc

    @classmethod
    def parse(cls, spec: str, base: Optional[Scenario] = None) -> Scenario:
        """``"n=1000,frame=390,cut=100"`` -> Scenario."""
        d: Dict[str, object] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            k, _, v = part.partition("=")
            d[k.strip()] = v.strip()
        return cls.from_dict(d, base)

    def cut_boundaries(self) -> List[int]:
        """The event indexes after which a connection is cut (never at or after the terminal)."""
        if self.cut <= 0:
            return []
        return [j * self.cut - 1 for j in range(1, self.cuts + 1) if j * self.cut - 1 < self.total - 1]


def _common(event: str) -> str:
    return (
        f'{{"created_at":{CREATED_AT},"event":"{event}","agent_id":"{AGENT_ID}",'
        f'"agent_name":"{AGENT_NAME}","run_id":"{RUN_ID}","session_id":"{SESSION_ID}","nested_depth":0'
    )


def _idx(i: int, background: bool) -> str:
    return f',"event_index":{i}' if background else ""


def _frame(event: str, data: str) -> bytes:
    return f"event: {event}\ndata: {data}\n\n".encode()


class Renderer:
    """Renders the frames of one scenario, by event index, as ``bytes`` (``background`` decides
    whether events carry ``event_index``, as the real server does)."""

    def __init__(self, sc: Scenario, background: bool = True) -> None:
        self.sc = sc
        self.background = background
        self.total = sc.total
        n = sc.n
        self._head = [
            _frame(
                "RunStarted",
                _common("RunStarted") + ',"model":"gpt-fake","model_provider":"OpenAI"' + _idx(0, background) + "}",
            ),
            _frame(
                "ModelRequestStarted",
                _common("ModelRequestStarted")
                + ',"model":"gpt-fake","model_provider":"OpenAI"'
                + _idx(1, background)
                + "}",
            ),
        ]
        self._tail = [
            _frame(
                "ModelRequestCompleted",
                _common("ModelRequestCompleted")
                + ',"model":"gpt-fake","model_provider":"OpenAI","input_tokens":10,'
                + f'"output_tokens":{n},"total_tokens":{n + 10},"time_to_first_token":0.0032540809997954057,'
                + '"reasoning_tokens":0,"cache_read_tokens":0,"cache_write_tokens":0'
                + _idx(n + 2, background)
                + "}",
            ),
            _frame("RunContentCompleted", _common("RunContentCompleted") + _idx(n + 3, background) + "}"),
        ]
        self._completed: Optional[bytes] = None
        pre = (
            b"event: RunContent\ndata: "
            + _common("RunContent").encode()
            + b',"content":"%s","workflow_agent":false,"content_type":"str","reasoning_content":"",'
            + b'"model_provider_data":{"id":"chatcmpl-%s"}'
        )
        self._pre_tpl = pre + (b',"event_index":' if background else b"")
        self._suffix = b"}\n\n"
        # Frame prefixes (everything before the event_index digits) per (token, digit count):
        # rendering a frame is then one lookup and a join, fast enough to stream 1M frames lazily.
        self._prefixes: Dict[int, List[bytes]] = {}
        self._pad = b"7014d3f9" + b"0" * max(0, sc.frame)

    def _prefix_table(self, digits: int) -> List[bytes]:
        table = self._prefixes.get(digits)
        if table is None:
            base = len(self._pre_tpl % (b"", b"")) + digits + len(self._suffix)
            table = [
                self._pre_tpl % (tok, self._pad[: max(0, self.sc.frame - base - len(tok))]) for tok in _TOKENS_JSON
            ]
            self._prefixes[digits] = table
        return table

    # -- RunContent ------------------------------------------------------------------------
    def content_frame(self, i: int) -> bytes:
        if not self.background:
            return self._prefix_table(0)[(i - 2) % len(_TOKENS_JSON)] + self._suffix
        s = str(i).encode()
        return self._prefix_table(len(s))[(i - 2) % len(_TOKENS_JSON)] + s + self._suffix

    def content_block(self, start: int, stop: int) -> bytes:
        """RunContent frames ``start..stop-1`` joined (the hot path of lazy streaming)."""
        t = len(_TOKENS_JSON)
        if not self.background:
            table = self._prefix_table(0)
            return self._suffix.join(table[(i - 2) % t] for i in range(start, stop)) + self._suffix
        parts: List[bytes] = []
        add = parts.append
        suffix = self._suffix
        i = start
        while i < stop:
            digits = len(str(i))
            end = min(stop, 10**digits)
            table = self._prefix_table(digits)
            for j in range(i, end):
                add(table[(j - 2) % t])
                add(b"%d" % j)
                add(suffix)
            i = end
        return b"".join(parts)

    def joined_content(self) -> str:
        n = self.sc.n
        k, r = divmod(n, len(TOKENS))
        return "".join(TOKENS) * k + "".join(TOKENS[:r])

    def completed_frame(self) -> bytes:
        if self._completed is not None:
            return self._completed
        sc, n = self.sc, self.sc.n
        metrics = (
            f'"metrics":{{"input_tokens":10,"output_tokens":{n},"total_tokens":{n + 10},'
            '"time_to_first_token":0.010755287999927532,"duration":0.11480665899944142,'
            f'"details":{{"model":[{{"input_tokens":10,"output_tokens":{n},"total_tokens":{n + 10},'
            '"id":"gpt-fake","provider":"OpenAI Chat"}]}}'
        )

        def build(content_json: str) -> bytes:
            return _frame(
                "RunCompleted",
                _common("RunCompleted")
                + f',"content":{content_json},"content_type":"str",'
                + '"model_provider_data":{"id":"chatcmpl-7014d3f9"},"session_state":{}'
                + _idx(n + 4, self.background)
                + ","
                + metrics
                + "}",
            )

        if sc.big > 0:
            base = len(build('""'))
            want = max(0, sc.big - base)
            unit = json.dumps(_TEXT)[1:-1]
            filler = (unit * (want // len(unit) + 1))[:want]
            # Never end on a lone backslash: that would escape the closing quote.
            stripped = filler.rstrip("\\")
            if (len(filler) - len(stripped)) % 2:
                filler = filler[:-1] + " "
            frame = build('"' + filler + '"')
        else:
            content = self.joined_content()
            if sc.final == "short":
                content = content[:1024]
            frame = build(json.dumps(content))
        self._completed = frame
        return frame

    # -- any event ---------------------------------------------------------------------------
    def frame(self, i: int) -> bytes:
        n = self.sc.n
        if i < 2:
            return self._head[i]
        if i < n + 2:
            return self.content_frame(i)
        if i < n + 4:
            return self._tail[i - n - 2]
        if i == n + 4:
            return self.completed_frame()
        raise IndexError(i)

    def frames(self, start: int, stop: int) -> Iterator[bytes]:
        for i in range(start, stop):
            yield self.frame(i)

    def blocks(self, start: int, stop: int, batch: int = 4096) -> Iterator[bytes]:
        """Frames ``start..stop-1`` as a few large byte blocks, in order."""
        lo, hi = 2, self.sc.n + 2  # the RunContent range
        i = start
        while i < stop:
            if lo <= i < hi:
                j = min(stop, hi, i + batch)
                yield self.content_block(i, j)
            else:
                j = i + 1
                yield self.frame(i)
            i = j

    def data_lines(self) -> List[bytes]:
        """The ``data:`` JSON of every frame as the bytes on the wire (what a parser gets after
        SSE framing, before any decoding)."""
        out = []
        for i in range(self.total):
            f = self.frame(i)
            start = f.index(b"\ndata: ") + 7
            out.append(f[start:-2])
        return out


def meta_frame(event: str, payload: Dict[str, object]) -> bytes:
    """A ``/resume`` meta frame (the real server uses json.dumps default separators for them)."""
    return _frame(event, json.dumps({"event": event, **payload}))
