"""Object storage: one contract, a local and an S3 backend, chosen by ``STORAGE_BACKEND``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from app.storage.base import (
    CHUNK_SIZE,
    MULTIPART_PART_SIZE,
    MULTIPART_THRESHOLD,
    ObjectChanged,
    ObjectInfo,
    ObjectMissing,
    PresignedUpload,
    Storage,
    StorageError,
    StoredObject,
    new_key,
    validate_key,
)

__all__ = [
    "BACKENDS",
    "CHUNK_SIZE",
    "MULTIPART_PART_SIZE",
    "MULTIPART_THRESHOLD",
    "ObjectChanged",
    "ObjectInfo",
    "ObjectMissing",
    "PresignedUpload",
    "Storage",
    "StorageError",
    "StoredObject",
    "get_storage",
    "new_key",
    "validate_key",
]

EXTENSION_KEY = "podium_storage"


def _local(config: Mapping[str, Any]) -> Storage:
    # Imported here, like the S3 backend, so an app loads only the backend it is configured for.
    from app.storage.local import LocalStorage

    return LocalStorage(config["STORAGE_LOCAL_ROOT"], config["SECRET_KEY"])


def _s3(config: Mapping[str, Any]) -> Storage:
    # Imported here so apps on local storage never load boto3.
    from app.storage.s3 import S3Storage

    return S3Storage(
        endpoint_url=config["S3_ENDPOINT_URL"],
        bucket=config["S3_BUCKET"],
        region=config["S3_REGION"],
        addressing_style=config["S3_ADDRESSING_STYLE"],
        create_bucket=config["S3_CREATE_BUCKET"],
        connect_timeout=config["S3_CONNECT_TIMEOUT"],
        read_timeout=config["S3_READ_TIMEOUT"],
        max_attempts=config["S3_MAX_ATTEMPTS"],
    )


BACKENDS: dict[str, Callable[[Mapping[str, Any]], Storage]] = {"local": _local, "s3": _s3}


def get_storage() -> Storage:
    """The current app's backend, built once per app; it touches no disk or network until used."""
    storage = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        name = current_app.config["STORAGE_BACKEND"]
        if name not in BACKENDS:
            raise StorageError(f"STORAGE_BACKEND={name!r} is not one of: {', '.join(BACKENDS)}")
        storage = BACKENDS[name](current_app.config)
        current_app.extensions[EXTENSION_KEY] = storage
    return storage
