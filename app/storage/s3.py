"""The S3 backend: any S3-compatible server, with browsers uploading and downloading directly."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, timedelta
from functools import cached_property
from typing import Any, BinaryIO, Literal
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.core.timeutil import utcnow
from app.storage.base import (
    ATTACHMENT,
    CHUNK_SIZE,
    ObjectChanged,
    ObjectInfo,
    ObjectMissing,
    PresignedUpload,
    Storage,
    StorageError,
    StoredObject,
    content_disposition,
    validate_key,
    validate_part_number,
    validate_parts,
    validate_prefix,
)

AddressingStyle = Literal["auto", "path", "virtual"]

_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_MISSING_BUCKET_CODES = frozenset({"404", "NoSuchBucket", "NotFound"})
_MISSING_UPLOAD_CODES = frozenset({"404", "NoSuchUpload", "NotFound"})

# Browsers upload and download straight from the bucket, so it must answer cross-origin requests
# and let scripts read the ETag S3 returns.
CORS_RULE = {
    "AllowedMethods": ["GET", "POST", "PUT"],
    "AllowedOrigins": ["*"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3600,
}

# Bounds the memory a single upload may buffer: parts are read one after another into memory,
# so at most (concurrency x chunk size) bytes are held at once.
_TRANSFER = TransferConfig(
    multipart_threshold=8 * CHUNK_SIZE, multipart_chunksize=8 * CHUNK_SIZE, max_concurrency=4
)


class S3Storage(Storage):
    """Objects in one bucket; the SHA-256 of each object is kept in its ``sha256`` tag.

    Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` and friends). The client is
    created on first use, because boto3 resolves credentials (possibly over the network) then.
    """

    # S3 copies up to 5 GiB in one request; above that, in parts of COPY_PART_SIZE.
    COPY_IN_ONE_UP_TO = 5 * 1024**3
    COPY_PART_SIZE = 512 * 1024 * 1024

    def __init__(
        self,
        *,
        endpoint_url: str | None,
        bucket: str,
        region: str,
        addressing_style: AddressingStyle = "auto",
        create_bucket: bool = True,
        connect_timeout: float = 5,
        read_timeout: float = 20,
        max_attempts: int = 2,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.region = region
        self.addressing_style = addressing_style
        self.create_bucket = create_bucket

    @cached_property
    def client(self) -> Any:
        # Bounded waits and retries: a store that accepts connections and never answers costs a
        # request at most max_attempts x (connect + read timeout), then a 503, not minutes of a worker.
        config = Config(
            s3={"addressing_style": self.addressing_style},
            signature_version="s3v4",
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"total_max_attempts": self.max_attempts, "mode": "standard"},
        )
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)

    def ensure_ready(self) -> None:
        """Create the bucket and its CORS rule; without ``create_bucket`` only check it exists,
        since production buckets are provisioned (and their CORS set) outside the app."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _code(error) not in _MISSING_BUCKET_CODES:
                raise StorageError(f"Cannot reach bucket {self.bucket!r}: {error}") from error
            if not self.create_bucket:
                raise StorageError(
                    f"Bucket {self.bucket!r} does not exist; create it or set S3_CREATE_BUCKET"
                ) from error
            self._create_bucket()
        if self.create_bucket:
            self.client.put_bucket_cors(Bucket=self.bucket, CORSConfiguration={"CORSRules": [CORS_RULE]})

    def _create_bucket(self) -> None:
        arguments: dict[str, Any] = {"Bucket": self.bucket}
        # us-east-1 is the default location and S3 refuses it as an explicit constraint.
        if self.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**arguments)
        except ClientError as error:
            if _code(error) != "BucketAlreadyOwnedByYou":
                raise StorageError(f"Cannot create bucket {self.bucket!r}: {error}") from error

    def put_stream(
        self, key: str, stream: BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> ObjectInfo:
        """Upload while hashing, then tag the object with the digest.

        Tags can be written after the upload without copying the object; until then ``head``
        reports the hash as unknown rather than wrong.
        """
        validate_key(key)
        reader = _HashingReader(stream)
        try:
            self.client.upload_fileobj(
                reader,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=_TRANSFER,
            )
            digest = reader.sha256.hexdigest()
            self.client.put_object_tagging(
                Bucket=self.bucket,
                Key=key,
                Tagging={"TagSet": [{"Key": "sha256", "Value": digest}]},
            )
        except ClientError as error:
            raise StorageError(f"Cannot store {key!r}: {error}") from error
        return ObjectInfo(key=key, size=reader.size, content_type=content_type, sha256=digest)

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """The object's body as a buffered binary stream; closing it releases the connection."""
        validate_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING_CODES:
                raise ObjectMissing(key) from error
            raise StorageError(f"Cannot read {key!r}: {error}") from error
        return io.BufferedReader(_BodyReader(response["Body"]), buffer_size=CHUNK_SIZE)

    def head(self, key: str, *, with_sha256: bool = True) -> ObjectInfo | None:
        validate_key(key)
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
            tags = (
                self.client.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"] if with_sha256 else []
            )
        except ClientError as error:
            if _code(error) in _MISSING_CODES:
                return None
            raise StorageError(f"Cannot inspect {key!r}: {error}") from error
        sha256 = next((tag["Value"] for tag in tags if tag["Key"] == "sha256"), None)
        return ObjectInfo(
            key=key,
            size=response["ContentLength"],
            content_type=response.get("ContentType"),
            sha256=sha256,
            etag=response.get("ETag"),
        )

    def copy(self, source_key: str, target_key: str, *, if_match: str | None = None) -> ObjectInfo:
        """A server-side copy pinned to the source's ETag, so the copy is one version of the source.

        Every request carries ``CopySourceIfMatch``: a source replaced during the copy makes S3
        refuse (412) instead of joining parts of two versions. Objects up to ``COPY_IN_ONE_UP_TO``
        are copied in one request (S3's limit is 5 GiB), bigger ones part by part. Tags (the sha256
        put_stream recorded) are not carried over: the copy's hash is unknown until someone reads it.
        """
        validate_key(source_key)
        validate_key(target_key)
        try:
            source = self.client.head_object(Bucket=self.bucket, Key=source_key)
        except ClientError as error:
            if _code(error) in _MISSING_CODES:
                raise ObjectMissing(source_key) from error
            raise StorageError(f"Cannot inspect {source_key!r}: {error}") from error
        etag, size = source["ETag"], int(source["ContentLength"])
        if if_match is not None and etag != if_match:
            # Checked here too: S3 enforces the copy condition below, but not every store does.
            raise ObjectChanged(f"{source_key!r} was replaced since it was inspected")
        content_type = source.get("ContentType") or "application/octet-stream"
        copy_source = {"Bucket": self.bucket, "Key": source_key}
        try:
            if size <= self.COPY_IN_ONE_UP_TO:
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=target_key,
                    CopySource=copy_source,
                    CopySourceIfMatch=etag,
                    MetadataDirective="REPLACE",
                    ContentType=content_type,
                    TaggingDirective="REPLACE",
                )
            else:
                self._copy_in_parts(copy_source, target_key, etag, size, content_type)
        except ClientError as error:
            if _code(error) in _MISSING_CODES:
                raise ObjectMissing(source_key) from error
            if _code(error) in ("412", "PreconditionFailed"):
                raise ObjectChanged(f"{source_key!r} was replaced while it was being copied") from error
            raise StorageError(f"Cannot copy {source_key!r}: {_message(error)}") from error
        return ObjectInfo(key=target_key, size=size, content_type=content_type, sha256=None)

    def _copy_in_parts(
        self, copy_source: dict[str, str], target_key: str, etag: str, size: int, content_type: str
    ) -> None:
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=target_key, ContentType=content_type
        )["UploadId"]
        try:
            parts = []
            for number, start in enumerate(range(0, size, self.COPY_PART_SIZE), start=1):
                end = min(start + self.COPY_PART_SIZE, size) - 1
                reply = self.client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=copy_source,
                    CopySourceIfMatch=etag,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": reply["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=target_key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.abort_multipart(target_key, upload_id)
            raise

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) not in _MISSING_CODES:
                raise StorageError(f"Cannot delete {key!r}: {error}") from error

    def presign_upload(
        self, key: str, *, max_size: int, content_type: str, expires_in: timedelta
    ) -> PresignedUpload:
        """A POST policy S3 enforces: the size range and the exact Content-Type field.

        S3 stores the ``Content-Type`` form field as the object's type, so it is a fixed field.
        Not every S3-compatible server enforces policies; callers re-check with ``head``.
        """
        validate_key(key)
        _require_positive(max_size, expires_in)
        expires_at = utcnow() + expires_in
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[["content-length-range", 1, max_size], {"Content-Type": content_type}],
            ExpiresIn=int(expires_in.total_seconds()),
        )
        return PresignedUpload(url=post["url"], fields=dict(post["fields"]), expires_at=expires_at)

    def presign_download(
        self,
        key: str,
        *,
        filename: str,
        expires_in: timedelta,
        disposition: str = ATTACHMENT,
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        _require_positive(1, expires_in)
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition(filename, disposition),
        }
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=int(expires_in.total_seconds())
        )

    def browser_origins(self) -> tuple[str, ...]:
        return self._browser_origins

    @cached_property
    def _browser_origins(self) -> tuple[str, ...]:
        """The origin of this bucket's links, read from a link boto3 signs (it depends on the endpoint,
        the region and the addressing style, so it is not worked out here a second way)."""
        try:
            link = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": "origin"}, ExpiresIn=60
            )
        except BotoCoreError:  # no credentials yet: no link works anyway, the endpoint is the best guess
            link = self.endpoint_url or ""
        parts = urlsplit(link)
        if not parts.netloc:
            return ()
        return (f"{parts.scheme}://{parts.netloc}",)

    def create_multipart(self, key: str, *, content_type: str) -> str:
        validate_key(key)
        try:
            response = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType=content_type
            )
        except ClientError as error:
            raise StorageError(f"Cannot start an upload in parts of {key!r}: {error}") from error
        return str(response["UploadId"])

    def presign_part(self, key: str, upload_id: str, part_number: int, *, expires_in: timedelta) -> str:
        validate_key(key)
        validate_part_number(part_number)
        _require_positive(1, expires_in)
        return self.client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": part_number},
            ExpiresIn=int(expires_in.total_seconds()),
        )

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> ObjectInfo:
        """S3 checks each part's ETag and size as it joins them.

        The bytes never pass through the app, so the SHA-256 is unknown (None) here, as after a
        presigned POST: whoever needs it reads the object once.
        """
        validate_key(key)
        validate_parts(parts)
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag} for number, etag in parts]},
            )
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            raise StorageError(f"Cannot join the parts of {key!r}: {_message(error)}") from error
        return ObjectInfo(
            key=key, size=response["ContentLength"], content_type=response.get("ContentType"), sha256=None
        )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        validate_key(key)
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if _code(error) not in _MISSING_UPLOAD_CODES:
                raise StorageError(f"Cannot abort the upload of {key!r}: {error}") from error

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Page through the bucket a thousand keys at a time, so memory stays flat."""
        # Checked now, not when the first item is asked for.
        return self._list(validate_prefix(prefix))

    def _list(self, prefix: str) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    yield StoredObject(
                        key=entry["Key"],
                        size=entry["Size"],
                        last_modified=entry["LastModified"].astimezone(UTC),
                    )
        except ClientError as error:
            raise StorageError(f"Cannot list objects under {prefix!r}: {error}") from error


class _HashingReader:
    """Feeds boto3 from the caller's stream, hashing and counting bytes as they pass.

    It deliberately has no ``seek``: boto3 then treats it as a one-pass stream, reads it in
    order and retries from its own buffered parts, so every byte is hashed exactly once. Reads
    are filled completely (boto3 takes a short read for the end of the stream, then reads "the
    rest" in one call) and the caller's stream is only ever asked for ``CHUNK_SIZE`` at a time.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int | None = -1) -> bytes:
        wanted = None if size is None or size < 0 else size
        pieces: list[bytes] = []
        received = 0
        while wanted is None or received < wanted:
            ask = CHUNK_SIZE if wanted is None else min(CHUNK_SIZE, wanted - received)
            piece = self._stream.read(ask)
            if not piece:
                break
            pieces.append(piece)
            received += len(piece)
        data = b"".join(pieces)
        self.sha256.update(data)
        self.size += len(data)
        return data


class _BodyReader(io.RawIOBase):
    """Adapts botocore's StreamingBody to ``io`` so callers get an ordinary binary file."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    """S3's own words for a refusal (e.g. "One or more of the specified parts could not be found")."""
    details = error.response.get("Error", {})
    return str(details.get("Message") or details.get("Code") or error)


def _require_positive(max_size: int, expires_in: timedelta) -> None:
    if max_size < 1:
        raise StorageError("max_size must be at least one byte")
    if expires_in.total_seconds() < 1:
        raise StorageError("A presigned link must stay valid for at least one second")
