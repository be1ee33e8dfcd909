"""The file types a challenge may accept, by the content type that uploads are sniffed as."""

from __future__ import annotations

# content type → what sponsors and contributors read
FILE_TYPES: dict[str, str] = {
    "application/pdf": "PDF document",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "application/zip": "ZIP archive",
    "video/mp4": "MP4 video",
    "text/plain": "Plain text",
    "text/csv": "CSV table",
}


def describe(content_types: list[str]) -> str:
    return ", ".join(FILE_TYPES.get(content_type, content_type) for content_type in content_types)
