"""A strict decoder of HTTP/1.1 chunked bodies (RFC 9112 section 7.1), reading in large blocks.

Why by hand and not urllib3's ``read_chunked``: urllib3 yields one HTTP chunk per call, which
costs several microseconds per chunk, and uvicorn sends one chunk per SSE frame; this reads 64 KiB
at a time and yields everything that has arrived as one piece. Measured on 2026-12-01 with
``python benchmarks/run.py --only agentos_sync,json-limit,throughput`` (100k RunContent events,
events per CPU-second, the figure the shared machine's load moves least): this decoder 289k-294k
(0.75-0.77x the json-parse limit; 0.78x in wall time on a quiet run), the previous lenient one
285k (0.76x), urllib3's decoding 220k (0.58x). The strict size check costs ~40 ns a chunk. urllib3
is also lenient where this must not be: ``int(b"-6", 16)`` and ``int(b"0x6", 16)`` are accepted,
a size line is read without a bound, and a declared size is read in one call whatever it is.

The grammar accepted is h11's (the test suite checks this differentially against h11 with
hypothesis): a size of 1 to 20 hex digits, optional extensions after ``;`` (ignored), optional
spaces or tabs before the CRLF; after the last chunk, trailer field lines (validated, ignored)
ending with an empty line. Anything else raises `MalformedChunk`; an end of input inside the
body raises `TruncatedChunk`. Nothing grows without bound: a size line is at most
``MAX_LINE`` bytes, the trailers at most ``MAX_TRAILERS``, and no chunk may declare more than the
caller's ``limit``.
"""

from __future__ import annotations

import re
import struct
from typing import Callable, Dict, Generator, List, Optional, Protocol, Tuple

__all__ = ["MAX_LINE", "MAX_TRAILERS", "MalformedChunk", "TruncatedChunk", "dechunk"]

#: How much one read asks for. A read returns what has arrived, up to this.
READ_SIZE = 64 * 1024

#: A chunk-size line (size and extensions) longer than this is refused, not buffered further.
MAX_LINE = 4096

#: The whole trailer section is refused past this (h11 refuses any incomplete event past 16 KiB).
MAX_TRAILERS = 16 * 1024

# h11's grammar (h11/_abnf.py), the reference the tests compare against.
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;[^\n]*)?[ \t]*")
_FIELD_LINE = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+:[ \t]*(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?[ \t]*")
_OBS_FOLD = re.compile(rb"[ \t]+")
_BLANK_LINE = re.compile(rb"\n\r?\n")


class MalformedChunk(Exception):
    """The body breaks the chunked framing: a protocol error, not a broken connection."""


class TruncatedChunk(Exception):
    """The input ended inside the chunked body: the connection was cut."""


class BufferedReader(Protocol):
    """What the decoder reads from: a buffered socket file (``read1`` returns what has arrived)."""

    def read1(self, size: int = ..., /) -> bytes: ...

    def read(self, size: int = ..., /) -> bytes: ...


def _size_of(line: bytes, limit: int) -> int:
    """The size of a chunk-size line (CRLF excluded) that is not the common bare hex."""
    if len(line) > MAX_LINE:
        raise MalformedChunk(f"a chunk-size line of {len(line)} bytes (at most {MAX_LINE})")
    match = _CHUNK_LINE.fullmatch(line)
    if match is None:
        raise MalformedChunk(f"invalid chunk-size line {line[:40]!r}")
    return _capped(int(match.group(1), 16), limit)


def _capped(size: int, limit: int) -> int:
    if size > limit:
        raise MalformedChunk(
            f"a chunk declares {size} bytes, more than the {limit} one chunk may hold (max_event_bytes)"
        )
    return size


def _not_crlf(footer: bytes) -> MalformedChunk:
    return MalformedChunk(f"a chunk is followed by {footer!r}, not CRLF")


def _cut_inside(footer: bytes) -> Exception:
    """The input ended inside a chunk or the CRLF after it: a cut, unless a byte of that CRLF
    already differs (a malformed body, as h11 sees it too)."""
    if b"\r\n".startswith(footer):
        return TruncatedChunk("the connection closed inside a chunk")
    return _not_crlf(footer)


def _check_trailers(section: bytes) -> None:
    """Validate a trailer section (its final empty line included) the way h11 does: LF or CRLF
    line ends, obsolete line folding joined, every line a field line."""
    lines = section.split(b"\n")
    del lines[-2:]  # the empty line
    previous = None
    for raw in lines:
        line = raw[:-1] if raw.endswith(b"\r") else raw
        fold = _OBS_FOLD.match(line)
        if fold is not None:
            if previous is None:
                raise MalformedChunk("a trailer section starts with a continuation line")
            previous += b" " + line[fold.end() :]
            continue
        if previous is not None and _FIELD_LINE.fullmatch(previous) is None:
            raise MalformedChunk(f"invalid trailer line {previous[:40]!r}")
        previous = line
    if previous is not None and _FIELD_LINE.fullmatch(previous) is None:
        raise MalformedChunk(f"invalid trailer line {previous[:40]!r}")


def _read_trailers(fp: BufferedReader, buf: bytes, start: int) -> int:
    """Read the trailer section that starts at ``buf[start:]``; the number of bytes read past its
    end (a server that sends anything after the body leaves its connection unusable)."""
    while True:
        if buf[start : start + 1] == b"\n":
            return len(buf) - start - 1
        if buf[start : start + 2] == b"\r\n":
            return len(buf) - start - 2
        blank = _BLANK_LINE.search(buf, start)
        if blank is not None:
            _check_trailers(buf[start : blank.end()])
            return len(buf) - blank.end()
        if len(buf) - start > MAX_TRAILERS:
            raise MalformedChunk(f"a trailer section longer than {MAX_TRAILERS} bytes")
        more = fp.read1(READ_SIZE)
        if not more:
            raise TruncatedChunk("the connection closed inside the chunked body's trailers")
        buf = buf[start:] + more
        start = 0


def _run_of_chunks(buf: bytes, pos: int, seen: Dict[bytes, int], out: List[bytes]) -> int:
    """Where the run of whole chunks with one and the same size line from ``buf[pos:]`` on ends
    (``pos``: no run of two), their contents appended to ``out``: the per-chunk loop's work done
    at C speed.

    uvicorn writes each SSE frame as its own chunk, and frames of one size (a benchmark's, a
    tool's fixed-width records) repeat one size line: chunk i of the run is then at ``pos + i *
    stride``. The bytes every chunk must have (its size line and CRLF, the CRLF after its content)
    are checked a column at a time, by an extended slice across the run (a C call a column, not
    Python steps a chunk), and the contents are cut out by `struct` unpacks. Exact: a chunk counts
    only if every byte the per-chunk loop would check is in place, and the first one that differs
    ends the run (the loop takes over there and reports the error, if it is one). Decoding costs
    0.10 us a chunk when all are of one size, 0.14 on the benchmark's frames (one in ~59 is a byte
    longer), against 0.43 chunk by chunk (measured 2026-12-06, 100k chunks of ~390 bytes).
    """
    nl = buf.find(b"\r\n", pos, pos + 22)  # a line in ``seen`` has at most 20 digits
    if nl <= pos:
        return pos
    line = buf[pos:nl]
    size = seen.get(line)
    if size is None:
        return pos
    head = nl + 2 - pos
    stride = head + size + 2
    whole = (len(buf) - pos) // stride  # whole chunks, if all were of this size
    if whole < 2 or not buf.startswith(line, pos + stride):
        return pos
    columns = _COLUMNS.get(line)
    if columns is None:
        columns = _columns(line, size)
    stop = pos + whole * stride
    for offset, byte in columns:
        # The column's bytes from the first that is not ``byte`` on: the chunks not in place.
        rest = len(buf[pos + offset : stop : stride].lstrip(byte))
        if rest:
            whole -= rest
            if whole < 2:
                return pos
            stop = pos + whole * stride
    # Cut out by unpackers of at most 32 chunks: a run's length varies from read to read, and an
    # unpacker per length would be built (~3 us) far more often than used.
    while whole:
        count = whole if whole < 32 else 32
        unpack = _UNPACKERS.get((head, size, count))
        if unpack is None:
            unpack = _unpacker(head, size, count)
        out.extend(unpack(buf, pos))
        pos += count * stride
        whole -= count
    return stop


def _unpacker(head: int, size: int, count: int) -> Callable[[bytes, int], Tuple[bytes, ...]]:
    """What cuts the contents of ``count`` chunks of one size out of a buffer: an unpack at an
    offset, the size lines and CRLFs skipped."""
    unpack = struct.Struct(f"{head}x{size}s2x" * count).unpack_from
    if len(_UNPACKERS) >= 256:  # bounded: sizes come from the server
        _UNPACKERS.clear()
    _UNPACKERS[(head, size, count)] = unpack
    return unpack


def _columns(line: bytes, size: int) -> List[Tuple[int, bytes]]:
    """Offset and value of every byte a chunk with this size line must have: the line, its CRLF,
    the CRLF after its content (that one first: it tells a different size soonest)."""
    head = len(line) + 2
    fixed = line + b"\r\n"
    columns = [(head + size, b"\r"), (head + size + 1, b"\n")] + [(i, fixed[i : i + 1]) for i in range(head)]
    if len(_COLUMNS) >= 64:
        _COLUMNS.clear()
    _COLUMNS[line] = columns
    return columns


#: `_run_of_chunks`'s columns by size line, and its unpackers by (head, size, chunks). Bounded:
#: sizes come from the server.
_COLUMNS: Dict[bytes, List[Tuple[int, bytes]]] = {}
_UNPACKERS: Dict[Tuple[int, int, int], Callable[[bytes, int], Tuple[bytes, ...]]] = {}


def dechunk(fp: BufferedReader, limit: int) -> Generator[bytes, None, int]:
    """Yield the content of a chunked body from ``fp``, everything that has arrived as one piece.

    Returns (as the generator's value) how many bytes were read past the body's end. ``limit``
    bounds a chunk's declared size. Raises `MalformedChunk` or `TruncatedChunk`; the content of
    the whole chunks before the fault is yielded first (as h11 passes them on before its error).
    """
    buf = b""
    seen: Dict[bytes, int] = {}  # size lines already checked (against this call's limit), sizes > 0
    while True:
        data = fp.read1(READ_SIZE)
        if not data:
            raise TruncatedChunk("the connection closed inside the chunked body")
        buf = buf + data if buf else data
        out: List[bytes] = []
        # Runs of chunks of one size go at C speed: tried at the start of a read, after its first
        # chunk, and after each chunk that ended a run (one of another size); once a try finds
        # nothing, the rest of the read goes chunk by chunk (a stream of mixed sizes pays ~1 us a
        # read for the tries, against ~70 us for its ~160 chunks).
        pos = _run_of_chunks(buf, 0, seen, out)
        runs = True
        size_of_buf = len(buf)
        find = buf.find  # bound once: this loop runs once per chunk the fast path leaves
        fault: Optional[Exception] = None
        while True:
            nl = find(b"\r\n", pos)
            if nl == -1:
                if size_of_buf - pos > MAX_LINE:
                    fault = MalformedChunk(f"a chunk-size line longer than {MAX_LINE} bytes")
                break
            line = buf[pos:nl]
            # A stream's size lines repeat (uvicorn sends one chunk per SSE frame, and frames of
            # one kind have similar sizes): a line checked once is looked up after that, 0.09 us
            # a chunk less than checking it again (measured 2026-12-01, 100k RunContent chunks).
            size = seen.get(line)
            if size is None:
                try:
                    # The common line is bare hex ("186", what uvicorn and h11 write), checked in
                    # ~40 ns: isalnum() refuses the signs, spaces and "_" that int() would take,
                    # and "0x" is the one prefix left (120 and 88 are "x" and "X": an int operand
                    # is a memchr, a bytes operand costs twice the whole check). Else the regex.
                    if line.isalnum() and len(line) <= 20 and 120 not in line and 88 not in line:
                        try:
                            size = int(line, 16)
                        except ValueError:
                            raise MalformedChunk(f"invalid chunk size {line!r}") from None
                        if size > limit:
                            _capped(size, limit)
                        if size and len(seen) < 256:  # bounded: a hostile server cannot grow it
                            seen[line] = size
                    else:
                        size = _size_of(line, limit)
                except MalformedChunk as exc:
                    fault = exc
                    break
            start = nl + 2
            if size == 0:
                if out:
                    yield b"".join(out)
                return _read_trailers(fp, buf, start)
            end = start + size
            if end + 2 > size_of_buf:
                missing = end + 2 - size_of_buf
                if missing > READ_SIZE:
                    # A large chunk (a 4 MiB RunCompleted): read the rest in one call, one copy.
                    # The size was checked against ``limit``: this allocation is bounded.
                    more = fp.read(missing)
                    buf += more
                    size_of_buf = len(buf)
                    find = buf.find
                    del more
                    if size_of_buf < end + 2:
                        fault = _cut_inside(buf[end : end + 2])
                        break
                elif b"\r\n".startswith(buf[end : end + 2]):
                    break  # wait for the next read
            if buf[end : end + 2] != b"\r\n":
                fault = _not_crlf(buf[end : end + 2])
                break
            out.append(buf[start:end])
            pos = end + 2
            if runs:
                after = _run_of_chunks(buf, pos, seen, out)
                runs = after != pos
                pos = after
        if out:
            yield out[0] if len(out) == 1 else b"".join(out)
        if fault is not None:
            raise fault
        buf = buf[pos:]
        # Not held while the next read waits: an idle stream would keep its last read (up to
        # READ_SIZE, once in ``data`` and once in ``out``) for as long as the server is silent.
        del data, out, find
