"""S3 specifics that the shared contract cannot see: bucket setup, CORS and the signed requests."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError

from app.storage import CHUNK_SIZE, StorageError, new_key
from app.storage.s3 import CORS_RULE, S3Storage

pytestmark = [pytest.mark.parametrize("backend", ["s3"]), pytest.mark.services]


def test_ensure_ready_creates_the_bucket_with_a_cors_rule_for_browsers(storage):
    rules = storage.client.get_bucket_cors(Bucket=storage.bucket)["CORSRules"]

    assert len(rules) == 1
    rule = rules[0]
    assert sorted(rule["AllowedMethods"]) == ["GET", "POST", "PUT"]
    assert rule["AllowedOrigins"] == ["*"]
    assert rule["ExposeHeaders"] == ["ETag"]


def test_ensure_ready_is_idempotent(storage):
    storage.ensure_ready()
    storage.ensure_ready()

    rules = storage.client.get_bucket_cors(Bucket=storage.bucket)["CORSRules"]
    assert [rule["AllowedMethods"] for rule in rules] == [CORS_RULE["AllowedMethods"]]


def test_without_create_bucket_a_missing_bucket_is_reported_not_created(storage):
    provisioned = S3Storage(
        endpoint_url=storage.endpoint_url,
        bucket=f"{storage.bucket}-absent",
        region=storage.region,
        addressing_style="path",
        create_bucket=False,
    )

    with pytest.raises(StorageError, match="does not exist"):
        provisioned.ensure_ready()
    with pytest.raises(ClientError):
        storage.client.head_bucket(Bucket=provisioned.bucket)


def test_sha256_is_kept_as_an_object_tag(storage):
    key = new_key()
    storage.put_stream(key, BytesIO(b"tagged"))

    tags = storage.client.get_object_tagging(Bucket=storage.bucket, Key=key)["TagSet"]

    assert tags == [{"Key": "sha256", "Value": hashlib.sha256(b"tagged").hexdigest()}]


def test_object_without_a_sha256_tag_reports_the_hash_as_unknown(storage):
    key = new_key()
    storage.client.put_object(Bucket=storage.bucket, Key=key, Body=b"from elsewhere")

    info = storage.head(key)

    assert (info.size, info.sha256) == (len(b"from elsewhere"), None)


def test_multipart_upload_keeps_the_sha256_of_the_whole_object(storage):
    data = random.Random(9).randbytes(9 * CHUNK_SIZE)
    key = new_key()

    stored = storage.put_stream(key, BytesIO(data))

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.head(key).sha256 == stored.sha256
    with storage.open(key) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == stored.sha256


def test_presigned_post_carries_the_policy_and_a_fixed_content_type(storage):
    key = new_key()
    upload = storage.presign_upload(
        key, max_size=2048, content_type="image/png", expires_in=timedelta(minutes=15)
    )

    assert upload.url.startswith(storage.endpoint_url)
    assert upload.fields["key"] == key
    assert upload.fields["Content-Type"] == "image/png"
    assert {"policy", "x-amz-signature", "x-amz-credential"} <= set(upload.fields)


def test_presigned_download_asks_s3_for_an_attachment_disposition(storage):
    url = storage.presign_download(new_key(), filename="été.pdf", expires_in=timedelta(minutes=5))

    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["response-content-disposition"] == [
        "attachment; filename=\"ete.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9.pdf"
    ]


def test_presigned_part_url_names_the_upload_and_part_and_expires(storage):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="video/mp4")

    url = storage.presign_part(key, upload_id, 7, expires_in=timedelta(minutes=10))

    assert url.startswith(f"{storage.endpoint_url}/{storage.bucket}/{key}?")
    query = parse_qs(urlsplit(url).query)
    assert query["uploadId"] == [upload_id]
    assert query["partNumber"] == ["7"]
    assert query["X-Amz-Expires"] == ["600"]
    storage.abort_multipart(key, upload_id)
