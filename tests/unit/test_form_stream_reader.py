"""The streamed form reader on bodies held in memory: fields first, exact reads, and refusals."""

from __future__ import annotations

import io

import pytest
from urllib3 import encode_multipart_formdata

from app.core.errors import ValidationFailed
from app.submissions.streamed_form import FIELD_LIMIT, READ_CHUNK, NotMultipart, StreamedForm

FIELDS = ("csrf_token", "title", "description_md", "submission_id")


def _form(body: bytes, content_type: str) -> StreamedForm:
    return StreamedForm(io.BytesIO(body), content_type, len(body), fields=FIELDS, file_field="file")


def _encoded(file_bytes: bytes, **fields: str) -> tuple[bytes, str]:
    return encode_multipart_formdata(
        [*fields.items(), ("file", ("entry.pdf", file_bytes, "application/pdf"))]
    )


def test_fields_come_first_then_the_file_in_exact_reads():
    data = bytes(range(256)) * (2 * READ_CHUNK // 256 + 3)
    form = _form(*_encoded(data, csrf_token="t", title="Hello ü", description_md=""))
    fields = form.read_fields()
    assert fields.to_dict() == {"csrf_token": "t", "title": "Hello ü", "description_md": ""}
    assert (form.filename, form.file_content_type) == ("entry.pdf", "application/pdf")
    pieces = []
    while piece := form.read(1000_003):
        pieces.append(piece)
    assert b"".join(pieces) == data
    assert all(len(piece) == 1000_003 for piece in pieces[:-1])


def test_a_body_cut_off_inside_the_file_is_refused():
    body, content_type = _encoded(b"x" * (READ_CHUNK + 10), csrf_token="t")
    form = _form(body[: READ_CHUNK // 2], content_type)
    form.read_fields()
    with pytest.raises(ValidationFailed, match="cut off"):
        while form.read(64 * 1024):
            pass


def test_the_file_is_never_read_whole():
    form = _form(*_encoded(b"abc", csrf_token="t"))
    form.read_fields()
    with pytest.raises(ValueError, match="never whole"):
        form.read()


def test_an_overlong_field_is_refused():
    form = _form(*_encoded(b"abc", description_md="d" * (FIELD_LIMIT + 1)))
    with pytest.raises(ValidationFailed, match="far longer"):
        form.read_fields()


def test_a_body_that_is_not_a_form_is_not_multipart():
    with pytest.raises(NotMultipart):
        _form(b"title=x", "application/x-www-form-urlencoded")


def test_without_a_file_part_there_is_no_file_name():
    body, content_type = encode_multipart_formdata([("csrf_token", "t"), ("title", "x")])
    form = _form(body, content_type)
    assert form.read_fields().to_dict() == {"csrf_token": "t", "title": "x"}
    assert form.filename == ""
