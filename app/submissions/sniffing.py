"""What a file really is, judged from its first bytes rather than its name or the browser's word."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass

import puremagic

# Content that a browser would run or render with scripts, or that a computer would execute. It is
# never accepted as a submission, and a download of anything stored with one of these types must
# be forced to be an attachment, never shown inline.
ACTIVE_CONTENT_TYPES = frozenset(
    {
        # markup a browser renders, scripts included
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/xml",
        "text/xml",
        "application/xslt+xml",
        "text/xsl",
        # scripts
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/x-shellscript",
        "application/x-shellscript",
        "application/x-sh",
        # programs
        "application/vnd.microsoft.portable-executable",
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-msdos-program",
        "application/x-ms-installer",
        "application/x-msi",
        "application/hta",
        "application/x-executable",
        "application/x-elf",
        "application/x-sharedlib",
        "application/x-mach-binary",
        "application/java-vm",
        "application/java",
    }
)

# Types a browser shows without running anything, which may therefore be previewed inline (in an
# <iframe> or <img>); every other type is only ever downloaded as an attachment.
INLINE_PREVIEW_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
assert not INLINE_PREVIEW_TYPES & ACTIVE_CONTENT_TYPES

UNRECOGNISED = "an unrecognised file type"

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}

# Bytes that never occur in text (the WHATWG MIME Sniffing "binary data bytes"): NUL and the
# control characters other than tab, newline, form feed, carriage return and escape.
_BINARY_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")

# The openings that make a browser treat a document as HTML (WHATWG MIME Sniffing), and more:
# any whitespace, '>' or '/' may end the tag name. Matched against lower-cased text.
_HTML_OPENING = re.compile(
    r"<(!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p)[\s>/]"
)
_SVG_OPENING = re.compile(r"<(!doctype\s+svg|svg)[\s>/]")

# Major brands of ISO base media files that are MP4 video (not QuickTime, HEIF, AVIF, 3GP or M4A).
_MP4_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso3",
        b"iso4",
        b"iso5",
        b"iso6",
        b"iso7",
        b"iso8",
        b"iso9",
        b"mp41",
        b"mp42",
        b"mp71",
        b"avc1",
        b"dash",
        b"M4V ",
        b"M4VH",
        b"M4VP",
        b"MSNV",
        b"f4v ",
    }
)

# Mach-O executables, in both byte orders, 32 and 64 bit.
_MACH_O_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")


@dataclass(frozen=True)
class Sniffed:
    """The type a file's bytes show (None when unknown) and words for it that finish the
    sentence "The file is ...", such as "a Windows executable"."""

    content_type: str | None
    description: str

    @property
    def is_active(self) -> bool:
        return self.content_type in ACTIVE_CONTENT_TYPES


PDF = Sniffed("application/pdf", "a PDF document")
PNG = Sniffed("image/png", "a PNG image")
JPEG = Sniffed("image/jpeg", "a JPEG image")
ZIP = Sniffed("application/zip", "a ZIP archive")
MP4 = Sniffed("video/mp4", "an MP4 video")
TEXT = Sniffed("text/plain", "plain text")
WINDOWS_EXECUTABLE = Sniffed("application/vnd.microsoft.portable-executable", "a Windows executable")
ELF_EXECUTABLE = Sniffed("application/x-executable", "a Linux executable (ELF)")
MACH_O_EXECUTABLE = Sniffed("application/x-mach-binary", "a macOS executable (Mach-O)")
JAVA_CLASS = Sniffed("application/java-vm", "a Java class file")
SCRIPT = Sniffed("text/x-shellscript", "an executable script (it starts with #!)")
HTML = Sniffed("text/html", "an HTML page")
XHTML = Sniffed("application/xhtml+xml", "an XHTML page")
SVG = Sniffed("image/svg+xml", "an SVG image")
XML = Sniffed("application/xml", "an XML document")
EMPTY = Sniffed(None, "an empty file")
UNKNOWN = Sniffed(None, UNRECOGNISED)

# Accepted types are only ever given by this module's exact rules: a looser puremagic guess at one
# of them (say, a PDF header further in) is not trusted. Its guesses at active types are kept.
_STRICT_TYPES = frozenset(sniffed.content_type for sniffed in (PDF, PNG, JPEG, ZIP, MP4, TEXT))


def sniff(head: bytes) -> Sniffed:
    """Identify a file from its first bytes (callers pass the first 8 KiB).

    Programs, scripts and markup are recognised first and named, so they can be refused with a
    reason; then the accepted formats by their exact signatures; then text (valid UTF-8 without
    control bytes); anything else by puremagic's signature table, or as unrecognised.
    """
    if not head:
        return EMPTY
    return (
        _program(head)
        or _markup(head)
        or _accepted_binary(head)
        or (TEXT if _is_text(head) else None)
        or _by_puremagic(head)
        or UNKNOWN
    )


def is_allowed(sniffed: Sniffed, allowed: Iterable[str]) -> bool:
    """Whether a file sniffed as ``sniffed`` may be accepted where ``allowed`` types are.

    Text is acceptable where CSV is, since a CSV file is text and its name is never trusted.
    Active content (markup, scripts, programs) is never acceptable, whatever the list says.
    """
    if sniffed.content_type is None or sniffed.is_active:
        return False
    accepted = {content_type.split(";")[0].strip().lower() for content_type in allowed}
    if sniffed.content_type in accepted:
        return True
    return sniffed.content_type == TEXT.content_type and "text/csv" in accepted


def _program(head: bytes) -> Sniffed | None:
    if head.startswith(b"MZ"):
        return WINDOWS_EXECUTABLE
    if head.startswith(b"\x7fELF"):
        return ELF_EXECUTABLE
    if head.startswith(_MACH_O_MAGICS):
        return MACH_O_EXECUTABLE
    if head.startswith((b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")):
        # Shared by universal Mach-O binaries (a small count of architectures follows) and Java
        # class files (a version of at least 45 follows), as file(1) tells them apart.
        follows = int.from_bytes(head[4:8], "big") if len(head) >= 8 else 0
        return JAVA_CLASS if follows >= 45 else MACH_O_EXECUTABLE
    if head.removeprefix(_UTF8_BOM).startswith(b"#!"):
        return SCRIPT
    return None


def _markup(head: bytes) -> Sniffed | None:
    """HTML, SVG or XML, judged by the first tag after any byte-order mark, whitespace and comments."""
    text = _as_text_for_markup(head).lower()
    lead = text.lstrip()
    # Browsers sniff a leading comment as HTML; what follows the comments may say SVG or XML.
    opens_with_comment = lead.startswith("<!--")
    while lead.startswith("<!--"):
        end = lead.find("-->")
        lead = lead[end + 3 :].lstrip() if end != -1 else ""
    if lead.startswith("<?xml"):
        if "<svg" in text or "<!doctype svg" in text:
            return SVG
        if "<html" in text or "http://www.w3.org/1999/xhtml" in text:
            return XHTML
        return XML
    if _SVG_OPENING.match(lead):
        return SVG
    if opens_with_comment or _HTML_OPENING.match(lead):
        return HTML
    return None


def _as_text_for_markup(head: bytes) -> str:
    """The sample as characters: UTF-16 when it starts with a UTF-16 byte-order mark, otherwise one
    character per byte, which keeps the ASCII of tags intact whatever the real encoding."""
    for bom, encoding in _UTF16_BOMS.items():
        if head.startswith(bom):
            body = head[len(bom) :]
            return body[: len(body) // 2 * 2].decode(encoding, errors="replace")
    return head.removeprefix(_UTF8_BOM).decode("latin-1")


def _accepted_binary(head: bytes) -> Sniffed | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a first entry, or the end of an empty archive
        return ZIP
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return MP4
    return None


def _is_text(head: bytes) -> bool:
    """UTF-8 without control bytes. The sample may end inside a character, so an incomplete
    sequence at the very end is allowed (the incremental decoder holds it back) but nowhere else."""
    body = head.removeprefix(_UTF8_BOM)
    if _BINARY_BYTE.search(body):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _by_puremagic(head: bytes) -> Sniffed | None:
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    named = None
    for match in sorted(matches, key=lambda match: -match.confidence):
        if match.mime_type in _STRICT_TYPES:
            continue  # it failed this module's exact rule for that type
        if match.mime_type:
            return Sniffed(match.mime_type, _with_article(match.name or match.mime_type))
        if named is None and match.name:
            named = Sniffed(None, _with_article(match.name))
    return named


def _with_article(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
