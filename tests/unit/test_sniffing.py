"""A file is judged by its first bytes: accepted formats are named exactly, active content is refused."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.submissions.sniffing import ACTIVE_CONTENT_TYPES, Sniffed, is_allowed, sniff

UTF8_BOM = b"\xef\xbb\xbf"
OUR_ALLOW_LIST = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/zip",
    "video/mp4",
    "text/plain",
    "text/csv",
]


def png() -> bytes:
    """A real 1x1 PNG: signature, IHDR, IDAT and IEND chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """The ISO base media 'ftyp' box that opens MP4, QuickTime and HEIF files."""
    body = b"ftyp" + major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", 4 + len(body)) + body + b"\x00\x00\x00\x08free"


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16 + b"\x05\x00\x00\x00a.txt"
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18
MP4 = ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41")
# A Windows PE header: the DOS stub's "MZ", then e_lfanew pointing at "PE\0\0".
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x40\x00\x00\x00PE\x00\x00"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00"
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00"
MACH_O_UNIVERSAL = b"\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07"
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x41\x00\x1d\x0a\x00"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("head", "content_type", "description"),
    [
        pytest.param(PDF, "application/pdf", "a PDF document", id="pdf"),
        pytest.param(png(), "image/png", "a PNG image", id="png"),
        pytest.param(JPEG, "image/jpeg", "a JPEG image", id="jpeg"),
        pytest.param(ZIP, "application/zip", "a ZIP archive", id="zip"),
        pytest.param(EMPTY_ZIP, "application/zip", "a ZIP archive", id="empty-zip"),
        pytest.param(MP4, "video/mp4", "an MP4 video", id="mp4"),
        pytest.param(ftyp(b"mp42", b"mp42", b"isom"), "video/mp4", "an MP4 video", id="mp4-mp42"),
        pytest.param(b"Dear judges,\nhere is my entry.\n", "text/plain", "plain text", id="text"),
        pytest.param(b"name,score\nAda,10\nGrace,9\n", "text/plain", "plain text", id="csv"),
        pytest.param(UTF8_BOM + "Résumé, 北京\n".encode(), "text/plain", "plain text", id="text-bom"),
        pytest.param(b"tab\tform\x0cfeed\r\nescape\x1b[0m", "text/plain", "plain text", id="text-controls"),
        pytest.param(PE, "application/vnd.microsoft.portable-executable", "a Windows executable", id="pe"),
        pytest.param(ELF, "application/x-executable", "a Linux executable (ELF)", id="elf"),
        pytest.param(MACH_O, "application/x-mach-binary", "a macOS executable (Mach-O)", id="mach-o"),
        pytest.param(
            MACH_O_UNIVERSAL, "application/x-mach-binary", "a macOS executable (Mach-O)", id="mach-o-fat"
        ),
        pytest.param(JAVA_CLASS, "application/java-vm", "a Java class file", id="java-class"),
        pytest.param(
            b"#!/bin/sh\nrm -rf ~\n",
            "text/x-shellscript",
            "an executable script (it starts with #!)",
            id="sh",
        ),
        pytest.param(
            b"#!/usr/bin/env python3\nprint(1)\n",
            "text/x-shellscript",
            "an executable script (it starts with #!)",
            id="python",
        ),
        pytest.param(b"<!DOCTYPE html>\n<html><body>x</body></html>", "text/html", "an HTML page", id="html"),
        pytest.param(b"<HTML>\n<BODY>shouting</BODY>", "text/html", "an HTML page", id="html-upper"),
        pytest.param(b"<script>alert(document.cookie)</script>", "text/html", "an HTML page", id="script"),
        pytest.param(b"<!-- note -->\n<p>hi</p>", "text/html", "an HTML page", id="html-comment"),
        pytest.param(b" \t\r\n\x0c<!doctype html>", "text/html", "an HTML page", id="html-whitespace"),
        pytest.param(UTF8_BOM + b"\n  <html lang=en>", "text/html", "an HTML page", id="html-bom"),
        pytest.param("\ufeff <html>".encode("utf-16-le"), "text/html", "an HTML page", id="html-utf16-bom"),
        pytest.param(SVG, "image/svg+xml", "an SVG image", id="svg"),
        pytest.param(UTF8_BOM + b"\r\n  " + SVG, "image/svg+xml", "an SVG image", id="svg-bom"),
        pytest.param(
            b'<?xml version="1.0"?>\n<!-- drawn by hand -->\n' + SVG,
            "image/svg+xml",
            "an SVG image",
            id="svg-xml",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">',
            "image/svg+xml",
            "an SVG image",
            id="svg-doctype",
        ),
        pytest.param(
            b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
            "application/xhtml+xml",
            "an XHTML page",
            id="xhtml",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<scores><row/></scores>',
            "application/xml",
            "an XML document",
            id="xml",
        ),
        pytest.param(bytes(range(256)) * 4, None, "an unrecognised file type", id="garbage"),
        pytest.param(b"\x00\x01\x02\x03\xfe\xfd\xfc", None, "an unrecognised file type", id="garbage-short"),
        pytest.param(b"", None, "an empty file", id="empty"),
    ],
)
def test_sniff_names_the_type_the_bytes_show(head, content_type, description):
    assert sniff(head) == Sniffed(content_type, description)


def test_text_may_end_inside_a_multibyte_character_since_the_sample_is_cut():
    text = "Zürich → 北京".encode()
    cut = text[:-2]  # the last character is 3 bytes long; keep only its first

    assert sniff(cut).content_type == "text/plain"


@pytest.mark.parametrize(
    "head",
    [
        pytest.param("北京".encode()[:2] + b" and then more text", id="truncated-in-the-middle"),
        pytest.param(b"caf\xe9 latin-1", id="latin-1"),
        pytest.param(b"text with a NUL\x00 in it", id="nul"),
        pytest.param(b"text with a bell\x07", id="control-byte"),
    ],
)
def test_what_is_not_clean_utf8_is_not_text(head):
    assert sniff(head).content_type != "text/plain"


def test_markup_further_in_does_not_make_text_html():
    assert sniff(b"My essay on the <script> tag and <html> pages.\n").content_type == "text/plain"


def test_other_binary_formats_are_named_by_puremagic():
    sniffed = sniff(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04")

    assert sniffed.content_type == "image/gif"
    assert "GIF" in sniffed.description
    assert not is_allowed(sniffed, OUR_ALLOW_LIST)


def test_quicktime_is_not_taken_for_mp4():
    sniffed = sniff(ftyp(b"qt  ", b"qt  "))

    assert sniffed.content_type != "video/mp4"
    assert not is_allowed(sniffed, ["video/mp4"])


@pytest.mark.parametrize(
    ("head", "allowed", "expected"),
    [
        pytest.param(PDF, ["application/pdf"], True, id="pdf-where-pdf"),
        pytest.param(PDF, ["image/png", "image/jpeg"], False, id="pdf-where-images"),
        pytest.param(b"\x00\x01\x02\x03" + PDF, ["application/pdf"], False, id="pdf-header-not-first"),
        pytest.param(png(), ["image/png"], True, id="png"),
        pytest.param(MP4, ["video/mp4"], True, id="mp4"),
        pytest.param(EMPTY_ZIP, ["application/zip"], True, id="empty-zip"),
        pytest.param(b"name,score\nAda,10\n", ["text/csv"], True, id="csv-text-where-csv"),
        pytest.param(b"just prose\n", ["text/csv"], True, id="any-text-where-csv"),
        pytest.param(b"name,score\n", ["text/plain"], True, id="csv-text-where-text"),
        pytest.param(b"name,score\n", ["application/pdf"], False, id="text-where-pdf"),
        pytest.param(b"name,score\n", ["Text/CSV; charset=utf-8"], True, id="list-entries-normalised"),
        pytest.param(PE, ["application/pdf"], False, id="pe-saved-as-pdf"),
        pytest.param(PE, ["application/vnd.microsoft.portable-executable"], False, id="pe-listed"),
        pytest.param(SVG, ["image/svg+xml", "image/png"], False, id="svg-listed"),
        pytest.param(b"<html>", ["text/html", "text/plain"], False, id="html-listed"),
        pytest.param(b"<?xml version='1.0'?><a/>", ["application/xml", "text/plain"], False, id="xml-listed"),
        pytest.param(b"#!/bin/sh\n", ["text/plain", "text/x-shellscript"], False, id="script-as-text"),
        pytest.param(bytes(range(256)), OUR_ALLOW_LIST, False, id="unknown"),
        pytest.param(b"", OUR_ALLOW_LIST, False, id="empty"),
    ],
)
def test_is_allowed(head, allowed, expected):
    assert is_allowed(sniff(head), allowed) is expected


def test_a_windows_program_saved_as_pdf_is_named_and_refused():
    sniffed = sniff(PE)

    assert sniffed.description == "a Windows executable"
    assert sniffed.is_active
    assert not is_allowed(sniffed, ["application/pdf", *OUR_ALLOW_LIST])


def test_every_active_type_this_module_reports_is_in_the_exported_set():
    for head in (PE, ELF, MACH_O, JAVA_CLASS, b"#!/bin/sh", b"<html>", SVG, b"<?xml version='1.0'?><a/>"):
        assert sniff(head).content_type in ACTIVE_CONTENT_TYPES


ALLOW_LIST_ENTRIES = st.sampled_from(
    [*OUR_ALLOW_LIST, *sorted(ACTIVE_CONTENT_TYPES), "application/octet-stream", "*/*"]
) | st.text(max_size=40)


@given(st.binary(max_size=2048), st.lists(ALLOW_LIST_ENTRIES, max_size=12))
def test_bytes_starting_with_mz_are_never_allowed(rest, allowed):
    assert not is_allowed(sniff(b"MZ" + rest), allowed)


@given(st.binary(max_size=512))
def test_sniff_always_answers_with_a_description(head):
    sniffed = sniff(head)

    assert sniffed.description
    assert sniffed.content_type is None or "/" in sniffed.content_type
