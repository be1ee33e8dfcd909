"""Identity in a file's own metadata: PDF info and XMP, EXIF, Office core properties; a file that
cannot be read is reported on by nobody and never breaks the caller."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.submissions.metadata import Finding, inspect_file, read_identity
from tests.metadata_samples import BOMB_XML, docx_by, jpeg_by, pdf_by


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_pdf_names_its_author_in_document_info_and_xmp(tmp_path):
    path = _write(tmp_path, "a.pdf", pdf_by("Ottoline Vexley", xmp_creator="O. Vexley"))
    assert read_identity(path) == [
        Finding("PDF document info: author", "Ottoline Vexley"),
        Finding("PDF XMP metadata: creator", "O. Vexley"),
    ]


def test_a_jpeg_names_its_artist_and_camera_owner(tmp_path):
    path = _write(tmp_path, "a.jpg", jpeg_by("Eli External", owner="eli@outside.example"))
    assert read_identity(path) == [
        Finding("EXIF artist", "Eli External"),
        Finding("EXIF camera owner", "eli@outside.example"),
    ]


def test_a_docx_names_its_author_last_editor_and_company(tmp_path):
    path = _write(tmp_path, "a.docx", docx_by("Inez Internal", editor="inez@host.example", company="Host"))
    assert read_identity(path) == [
        Finding("Office document properties: author", "Inez Internal"),
        Finding("Office document properties: last modified by", "inez@host.example"),
        Finding("Office document properties: company", "Host"),
    ]


def test_a_file_without_names_has_no_findings(tmp_path):
    assert read_identity(_write(tmp_path, "a.csv", b"a,b\n1,2\n")) == []
    assert read_identity(_write(tmp_path, "b.docx", docx_by(""))) == []


def test_an_entity_bomb_in_office_properties_is_refused_not_expanded(tmp_path):
    path = _write(tmp_path, "bomb.docx", docx_by("", core_xml=BOMB_XML))
    assert inspect_file(path) is None


def test_a_parser_that_runs_too_long_is_stopped(tmp_path):
    path = _write(tmp_path, "a.pdf", pdf_by("Ottoline Vexley"))
    assert inspect_file(path, time_limit=0) in (
        None,
        [Finding("PDF document info: author", "Ottoline Vexley")],
    )


@pytest.mark.parametrize("head", [b"%PDF-1.7\n", b"PK\x03\x04", b"\xff\xd8\xff\xe1", b"\x89PNG\r\n\x1a\n"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2048))
def test_garbage_behind_a_known_header_never_raises(tmp_path, head, body):
    found = inspect_file(_write(tmp_path, "junk", head + body))
    assert found is None or isinstance(found, list)
