"""Names and e-mails an entry file carries in its own metadata, found at finalize for its contributor.

Judges see an entry by alias, but a file can still say who made it: a PDF's document info and XMP
author, a photo's EXIF artist and camera owner, an Office document's core properties (creator, last
editor) and company. This module reads those fields with maintained parsers (pypdf, Pillow,
defusedxml) from a temporary copy streamed out of storage, in a child process with a time and memory
limit, so a hostile file can neither hang nor exhaust the process that finalizes. A file it cannot
read is simply not reported on: inspection never refuses an entry.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection

from defusedxml import ElementTree
from PIL import Image
from pypdf import PdfReader

from app.storage import Storage

CHUNK = 1024 * 1024
MAX_INSPECTED_BYTES = 512 * 1024 * 1024  # larger files are not copied out for inspection
TIME_LIMIT_SECONDS = 15.0
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024  # on top of what the process already maps
MAX_XML_BYTES = 1024 * 1024  # an Office document's property parts are a few KB
MAX_VALUE_CHARS = 200
EMAIL = re.compile(r"[^\s@<>()\"']+@[^\s@<>()\"']+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Finding:
    """One metadata field that names someone: where it is, in words, and what it says."""

    field: str
    value: str


def _finding(field: str, value: object) -> Finding | None:
    if isinstance(value, bytes):
        value = value.decode("utf-16-le" if field == "EXIF author (Windows)" else "utf-8", "replace")
    text = " ".join(str(value or "").replace("\x00", "").split())
    return Finding(field, text[:MAX_VALUE_CHARS]) if text else None


def _pdf(path: str) -> Iterator[Finding | None]:
    reader = PdfReader(path, strict=False)
    info: dict[str, object] = dict(reader.metadata or {})
    yield _finding("PDF document info: author", info.get("/Author"))
    for key in ("/Title", "/Subject", "/Keywords", "/Creator", "/Producer"):
        value = str(info.get(key) or "")
        if EMAIL.search(value):
            yield _finding(f"PDF document info: {key.lstrip('/').lower()}", value)
    xmp = reader.xmp_metadata
    if xmp is not None:
        for creator in xmp.dc_creator or []:
            yield _finding("PDF XMP metadata: creator", creator)
        for publisher in xmp.dc_publisher or []:
            yield _finding("PDF XMP metadata: publisher", publisher)


EXIF_FIELDS = {0x013B: "EXIF artist", 0x8298: "EXIF copyright", 0x9C9D: "EXIF author (Windows)"}
EXIF_IFD, CAMERA_OWNER = 0x8769, 0xA430


def _image(path: str) -> Iterator[Finding | None]:
    with Image.open(path, formats=["JPEG", "PNG", "TIFF", "WEBP"]) as image:  # headers only, no pixels
        exif = image.getexif()
        for tag, field in EXIF_FIELDS.items():
            yield _finding(field, exif.get(tag))
        yield _finding("EXIF camera owner", exif.get_ifd(EXIF_IFD).get(CAMERA_OWNER))


OFFICE_PARTS = {
    "docProps/core.xml": {
        "{http://purl.org/dc/elements/1.1/}creator": "Office document properties: author",
        "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy": (
            "Office document properties: last modified by"
        ),
    },
    "docProps/app.xml": {
        "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Company": (
            "Office document properties: company"
        ),
        "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Manager": (
            "Office document properties: manager"
        ),
    },
}


def _office(path: str) -> Iterator[Finding | None]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for part, fields in OFFICE_PARTS.items():
            if part not in names or archive.getinfo(part).file_size > MAX_XML_BYTES:
                continue
            with archive.open(part) as stream:
                data = stream.read(MAX_XML_BYTES + 1)
            if len(data) > MAX_XML_BYTES:
                continue
            root = ElementTree.fromstring(data)  # refuses entity expansion and external entities
            for element in root:
                if element.tag in fields:
                    yield _finding(fields[element.tag], element.text)


def read_identity(path: str) -> list[Finding]:
    """Every field of the file's own metadata that carries a name or an e-mail address, in file order.

    The parser is chosen by the file's first bytes, not its name; an unknown kind has none to read.
    """
    with open(path, "rb") as stream:
        head = stream.read(8)
    if head.startswith(b"%PDF"):
        readings = _pdf(path)
    elif head.startswith(b"PK\x03\x04"):
        readings = _office(path)
    elif head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"RIFF")):
        readings = _image(path)
    else:
        return []
    found: list[Finding] = []
    for finding in readings:
        if finding is not None and finding not in found:
            found.append(finding)
    return found


def _limit_memory() -> None:
    with contextlib.suppress(Exception):  # not every platform lets a process cap itself
        import resource

        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (mapped + MEMORY_LIMIT_BYTES, mapped + MEMORY_LIMIT_BYTES))


def _child(path: str, answer: Connection) -> None:
    _limit_memory()
    try:
        answer.send([asdict(finding) for finding in read_identity(path)])
    except BaseException:  # a malformed or hostile file: the parent hears nothing and reports nothing
        answer.send(None)
    finally:
        answer.close()


def inspect_file(path: str, *, time_limit: float = TIME_LIMIT_SECONDS) -> list[Finding] | None:
    """``read_identity`` in a child process held to a time and memory limit; None when it failed."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(path, sending), daemon=True)
    child.start()
    sending.close()
    try:
        if not receiving.poll(time_limit):
            return None
        answer = receiving.recv()
    except (EOFError, OSError):
        return None
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if answer is None:
        return None
    return [Finding(str(row["field"]), str(row["value"])) for row in answer]


def inspect_stored(storage: Storage, key: str, size: int) -> list[dict[str, str]] | None:
    """The findings for a stored file as ``{"field", "value"}`` rows, read from a temporary copy
    streamed out of storage in chunks (never whole in memory).

    None when the file was not inspected: too large, unreadable, or the parser gave up.
    """
    if size > MAX_INSPECTED_BYTES:
        return None
    with tempfile.NamedTemporaryFile(prefix="podium-inspect-", suffix=".bin") as copy:
        try:
            with storage.open(key) as stream:
                while chunk := stream.read(CHUNK):
                    copy.write(chunk)
        except Exception:  # storage trouble here must not refuse an entry that passed every check
            return None
        copy.flush()
        found = inspect_file(copy.name)
    return None if found is None else [asdict(finding) for finding in found]
