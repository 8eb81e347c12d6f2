"""The streamed multipart body (transports/_multipart.py): what it sends parses to the same fields
and files as requests' own encoder, its length is what it sends, and a file is read in blocks
while the body goes out, never whole."""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import tempfile
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.filepost import encode_multipart_formdata

from agentos_sync.transports._multipart import MultipartBody
from agentos_sync.transports.base import FileField


def _parse(body: bytes, content_type: str) -> List[Tuple[str, Any, bytes, Any]]:
    """(name, filename, content, content type) of each part, as a server's parser reads them."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    out = []
    for part in message.iter_parts():
        disposition = part.get("content-disposition")
        out.append(
            (
                disposition.params.get("name"),
                disposition.params.get("filename"),
                part.get_payload(decode=True) or b"",
                part.get_content_type() if part.get("content-type") else None,
            )
        )
    return out


names = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters='"\\'), min_size=1)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")), deadline=None)
@given(
    form=st.dictionaries(names, st.text(max_size=50), max_size=4),
    files=st.lists(st.tuples(names, names, st.binary(max_size=3000), st.booleans()), max_size=3),
)
def test_it_parses_like_urllib3s_encoder_and_its_length_is_what_it_sends(
    form: Dict[str, str], files: List[Tuple[str, str, bytes, bool]]
) -> None:
    fields: List[FileField] = [
        (name, (filename, io.BytesIO(data) if as_file else data, "application/octet-stream"))
        for name, filename, data, as_file in files
    ]
    body = MultipartBody(form, fields)
    sent = b"".join(body)
    assert len(sent) == len(body)
    reference, reference_type = encode_multipart_formdata(
        [*form.items(), *((name, (filename, data, "application/octet-stream")) for name, filename, data, _ in files)]
    )
    assert _parse(sent, body.content_type) == _parse(reference, reference_type)


class _CountingFile(io.FileIO):
    """A real file that records the size of every read."""

    reads: List[int]

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.reads.append(len(data))
        return data


def test_a_file_is_read_in_blocks_as_the_body_is_sent_and_its_size_comes_from_the_file() -> None:
    with tempfile.NamedTemporaryFile(delete=False) as tmp:
        tmp.write(os.urandom(1_000_000))
    try:
        fh = _CountingFile(tmp.name, "rb")
        fh.reads = []
        body = MultipartBody({"name": "big"}, [("file", ("big.bin", fh, "application/octet-stream"))])
        assert fh.reads == []  # the length came from fstat, not from reading
        pieces = iter(body)
        head = next(pieces)
        assert b'name="name"' in head and fh.reads == []
        total = len(head) + sum(len(p) for p in pieces)
        fh.close()
        assert total == len(body)
        assert max(fh.reads) <= 64 * 1024 and sum(fh.reads) == 1_000_000
    finally:
        os.unlink(tmp.name)


def test_a_file_that_shrinks_while_it_is_sent_is_an_error_not_a_short_body() -> None:
    class Shrinking(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return b""

    body = MultipartBody({}, [("file", ("x", Shrinking(b"abc"), "text/plain"))])
    with pytest.raises(OSError, match="announced size"):
        b"".join(body)


def test_an_unseekable_stream_is_refused_with_a_reason() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

    with pytest.raises(TypeError, match="seekable"):
        MultipartBody({}, [("file", ("x", Pipe(), "text/plain"))])  # type: ignore[arg-type]
