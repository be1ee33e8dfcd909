"""Reading the no-JavaScript upload form as it arrives, so the file goes to storage without a detour.

Werkzeug's form parser writes a file part to a temporary file before the view runs: for a 5 GB entry
that is a second full copy on the web server's disk, written and read back before storage sees a
byte. Here the body is parsed in C (streaming-form-data) while storage reads the file: the small
fields come first (the form lists them before the file, and browsers send parts in that order), then
the file part is handed over chunk by chunk. Memory stays at about one read chunk.
"""

from __future__ import annotations

from collections import deque
from typing import BinaryIO

from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import ParseFailedException
from streaming_form_data.targets import BaseTarget
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected

from app.core.errors import ValidationFailed
from app.core.input_guard import refuse_unusable_pairs

READ_CHUNK = 1024 * 1024
FIELD_LIMIT = 128 * 1024  # the longest field, the Markdown description, is 20,000 characters


class NotMultipart(Exception):
    """The request is not multipart/form-data, so it cannot carry a file."""


class _FieldTarget(BaseTarget):
    """Collects one small text field, refusing anything longer than ``FIELD_LIMIT`` bytes."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.value = bytearray()
        self.arrived = False

    def on_start(self) -> None:
        self.arrived = True

    def on_data_received(self, chunk: bytes) -> None:
        if len(self.value) + len(chunk) > FIELD_LIMIT:
            raise ValidationFailed("A form field is far longer than the form allows.", field=self.name)
        self.value += chunk


class _FileTarget(BaseTarget):
    """Queues the file part's bytes for the reader; the parser fills it, ``read`` empties it."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: deque[bytes] = deque()
        self.arrived = False
        self.complete = False

    def on_start(self) -> None:
        self.arrived = True

    def on_data_received(self, chunk: bytes) -> None:
        if chunk:
            self.chunks.append(chunk)

    def on_finish(self) -> None:
        self.complete = True


class StreamedForm:
    """A multipart body read on demand: ``read_fields()`` first, then ``read()`` for the file."""

    def __init__(self, body: BinaryIO, content_type: str, content_length: int | None, *, fields, file_field):
        try:
            self._parser = StreamingFormDataParser({"Content-Type": content_type or ""})
        except ParseFailedException as error:
            raise NotMultipart(str(error)) from None
        self._body = body
        self._left = content_length
        self._fields = {name: _FieldTarget(name) for name in fields}
        self._file = _FileTarget()
        for name, target in self._fields.items():
            self._parser.register(name, target)
        self._parser.register(file_field, self._file)
        self._ended = False

    # --- the fields --------------------------------------------------------------------------------

    def read_fields(self) -> MultiDict[str, str]:
        """Parse until the file part begins or the body ends; the fields sent before the file."""
        while not self._file.arrived and self._feed():
            pass
        fields = MultiDict(
            (name, target.value.decode("utf-8", "replace"))
            for name, target in self._fields.items()
            if target.arrived
        )
        # Read here rather than through request.form, so the request's own check is made here.
        refuse_unusable_pairs(fields.items(multi=True), "form field")
        return fields

    @property
    def filename(self) -> str:
        return (self._file.multipart_filename or "") if self._file.arrived else ""

    @property
    def file_content_type(self) -> str:
        return self._file.multipart_content_type or "application/octet-stream"

    @property
    def bytes_left(self) -> int | None:
        """What is left of the body by its Content-Length: the most the file can still weigh."""
        return self._left

    # --- the file ----------------------------------------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        """Exactly ``size`` bytes of the file, fewer only at its end: S3 clients cut parts by full reads.

        Reading it whole (``size < 0``) is refused; this stream exists so that never happens.
        """
        if size < 0:
            raise ValueError("the uploaded file is read in bounded chunks, never whole")
        pieces: list[bytes] = []
        have = 0
        while have < size:
            if not self._file.chunks:
                if self._file.complete:
                    break
                if not self._feed():
                    raise ValidationFailed(
                        "The upload was cut off before the file ended; send it again.", field="file"
                    )
                continue
            chunk = self._file.chunks.popleft()
            if have + len(chunk) > size:
                cut = size - have
                self._file.chunks.appendleft(chunk[cut:])
                chunk = chunk[:cut]
            pieces.append(chunk)
            have += len(chunk)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def discard_rest(self) -> None:
        """Read what is left of the body without parsing it, so the client gets to see the answer."""
        try:
            while not self._ended and self._body.read(READ_CHUNK):
                pass
        except ClientDisconnected:
            pass
        self._ended = True
        self._file.chunks.clear()

    # --- reading the body --------------------------------------------------------------------------

    def _feed(self) -> bool:
        """Parse one more chunk of the body; False once it has ended."""
        if self._ended:
            return False
        data = self._body.read(READ_CHUNK)
        if not data:
            self._ended = True
            return False
        if self._left is not None:
            self._left -= len(data)
        try:
            self._parser.data_received(data)
        except ParseFailedException:
            raise ValidationFailed("The form could not be read; send it again.", field="file") from None
        return True
