"""The local backend's signed links: the app serves them itself and refuses forged or stale ones."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest

from app.storage import StorageError, local_views, new_key
from app.storage.local import PartTooLarge, UploadNotPending
from app.storage.local_views import FORM_OVERHEAD
from tests.storage.conftest import make_storage_app

pytestmark = pytest.mark.parametrize("backend", ["local"])

LIFETIME = timedelta(minutes=10)
JSON = {"Accept": "application/json"}


def later(storage, by: timedelta) -> None:
    """Move the storage's clock forward, as if the user came back after ``by``."""
    start = storage.clock()
    storage.clock = lambda: start + by


def post_file(client, url: str, data: bytes, **headers):
    return client.post(
        url,
        data={"file": (BytesIO(data), "entry.txt", "text/plain")},
        headers={**JSON, **headers},
    )


def tamper(token: str) -> str:
    """Change one character of the signed payload, keeping it well-formed."""
    index = 5
    swapped = "A" if token[index] != "A" else "B"
    return token[:index] + swapped + token[index + 1 :]


@pytest.fixture
def client(storage_app):
    return storage_app.test_client()


def test_upload_link_works_without_a_csrf_token_because_its_signature_authorises_it(
    storage, storage_app, client
):
    assert storage_app.config["WTF_CSRF_ENABLED"] is True
    key = new_key()
    upload = storage.presign_upload(key, max_size=100, content_type="text/plain", expires_in=LIFETIME)

    response = post_file(client, upload.url, b"hello")

    assert response.status_code == 204
    assert storage.head(key).size == 5


def test_expired_upload_link_is_refused_and_stores_nothing(storage, client):
    key = new_key()
    upload = storage.presign_upload(key, max_size=100, content_type="text/plain", expires_in=LIFETIME)
    later(storage, LIFETIME + timedelta(seconds=1))

    response = post_file(client, upload.url, b"too late")

    assert response.status_code == 403
    assert response.json["detail"] == "This upload link has expired; start the upload again."
    assert storage.head(key) is None


def test_upload_link_is_valid_until_its_own_expiry(storage, client):
    short = storage.presign_upload(
        new_key(), max_size=100, content_type="text/plain", expires_in=timedelta(minutes=1)
    )
    long = storage.presign_upload(
        new_key(), max_size=100, content_type="text/plain", expires_in=timedelta(hours=1)
    )
    later(storage, timedelta(minutes=2))

    assert post_file(client, short.url, b"x").status_code == 403
    assert post_file(client, long.url, b"x").status_code == 204


def test_tampered_upload_link_is_refused_and_stores_nothing(storage, client):
    key = new_key()
    upload = storage.presign_upload(key, max_size=100, content_type="text/plain", expires_in=LIFETIME)
    token = upload.url.split("token=", 1)[1]

    response = post_file(client, f"/storage/local/upload?token={tamper(token)}", b"forged")

    assert response.status_code == 403
    assert response.json["detail"] == "This upload link is not valid."
    assert storage.head(key) is None


def test_upload_without_a_token_is_refused(storage, client):
    response = post_file(client, "/storage/local/upload", b"anonymous")
    assert response.status_code == 403
    assert response.json["detail"] == "This upload link is not valid."


def test_download_link_cannot_be_used_as_an_upload_link(storage, client):
    key = new_key()
    storage.put_stream(key, BytesIO(b"original"))
    download_token = storage.presign_download(key, filename="a.txt", expires_in=LIFETIME).rsplit("/", 1)[1]

    response = post_file(client, f"/storage/local/upload?token={download_token}", b"overwrite")

    assert response.status_code == 403
    assert storage.head(key).size == len(b"original")


def test_upload_link_from_another_secret_key_is_refused(storage, client, tmp_path):
    other_app = make_storage_app("local", tmp_path / "other")
    other_app.config["SECRET_KEY"] = "a-different-secret"
    with other_app.app_context():
        from app.storage import get_storage

        foreign = get_storage().presign_upload(
            new_key(), max_size=100, content_type="text/plain", expires_in=LIFETIME
        )

    response = post_file(client, foreign.url, b"hello")

    assert response.status_code == 403


def test_empty_file_is_refused(storage, client):
    key = new_key()
    upload = storage.presign_upload(key, max_size=100, content_type="text/plain", expires_in=LIFETIME)

    response = post_file(client, upload.url, b"")

    assert response.status_code == 422
    assert storage.head(key) is None


def test_upload_without_a_file_part_is_refused(storage, client):
    upload = storage.presign_upload(new_key(), max_size=100, content_type="text/plain", expires_in=LIFETIME)

    response = client.post(upload.url, data={"note": "no file"}, headers=JSON)

    assert response.status_code == 422
    assert response.json["field"] == "file"


def test_file_of_exactly_max_size_is_accepted(storage, client):
    key = new_key()
    upload = storage.presign_upload(key, max_size=10, content_type="text/plain", expires_in=LIFETIME)

    assert post_file(client, upload.url, b"0123456789").status_code == 204
    assert storage.head(key).size == 10


def test_body_far_over_max_size_is_refused_before_it_is_read(storage, client):
    key = new_key()
    upload = storage.presign_upload(key, max_size=10, content_type="text/plain", expires_in=LIFETIME)

    response = post_file(client, upload.url, b"x" * (FORM_OVERHEAD + 11))

    assert response.status_code == 413
    assert storage.head(key) is None


def test_uploaded_file_keeps_the_signed_content_type_not_the_browser_one(storage, client):
    key = new_key()
    upload = storage.presign_upload(key, max_size=100, content_type="text/plain", expires_in=LIFETIME)

    response = client.post(
        upload.url,
        data={"file": (BytesIO(b"<script>"), "x.html", "text/html")},
        headers=JSON,
    )

    assert response.status_code == 204
    assert storage.head(key).content_type == "text/plain"


def test_expired_download_link_is_refused(storage, client):
    key = new_key()
    storage.put_stream(key, BytesIO(b"secret results"))
    url = storage.presign_download(key, filename="results.txt", expires_in=LIFETIME)
    later(storage, LIFETIME)

    response = client.get(url, headers=JSON)

    assert response.status_code == 403
    assert response.json["detail"].startswith("This download link has expired")
    assert b"secret results" not in response.data


def test_tampered_download_link_is_refused(storage, client):
    key = new_key()
    storage.put_stream(key, BytesIO(b"secret results"))
    url = storage.presign_download(key, filename="results.txt", expires_in=LIFETIME)
    prefix, token = url.rsplit("/", 1)

    response = client.get(f"{prefix}/{tamper(token)}", headers=JSON)

    assert response.status_code == 403
    assert response.json["detail"] == "This download link is not valid."


def test_refusal_is_shown_as_a_page_to_browsers(storage, client):
    url = storage.presign_download(new_key(), filename="x.txt", expires_in=LIFETIME)
    prefix, token = url.rsplit("/", 1)

    response = client.get(f"{prefix}/{tamper(token)}", headers={"Accept": "text/html"})

    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "This download link is not valid." in response.get_data(as_text=True)


def test_download_of_a_deleted_object_is_not_found(storage, client):
    key = new_key()
    storage.put_stream(key, BytesIO(b"gone soon"))
    url = storage.presign_download(key, filename="x.txt", expires_in=LIFETIME)
    storage.delete(key)

    response = client.get(url, headers=JSON)

    assert response.status_code == 404


def test_download_carries_the_stored_content_type(storage, client):
    key = new_key()
    storage.put_stream(key, BytesIO(b"a,b\n"), content_type="text/csv")

    response = client.get(storage.presign_download(key, filename="x.csv", expires_in=LIFETIME))

    assert response.status_code == 200
    assert response.mimetype == "text/csv"


def test_local_links_are_relative_to_the_app(storage):
    upload = storage.presign_upload(new_key(), max_size=5, content_type="text/plain", expires_in=LIFETIME)
    download = storage.presign_download(new_key(), filename="a", expires_in=LIFETIME)

    assert upload.url.startswith("/storage/local/upload?token=")
    assert download.startswith("/storage/local/download/")


def md5_etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


def assert_no_part_was_stored(storage, key: str, upload_id: str) -> None:
    """Completing with part 1 fails only because no part 1 arrived (the upload is still pending)."""
    with pytest.raises(StorageError, match="never uploaded"):
        storage.complete_multipart(key, upload_id, [(1, md5_etag(b"anything"))])
    assert storage.head(key) is None


def test_part_link_works_without_a_csrf_token_and_answers_with_the_md5_etag(storage, storage_app, client):
    assert storage_app.config["WTF_CSRF_ENABLED"] is True
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)

    response = client.put(url, data=b"part one", headers=JSON)

    assert response.status_code == 200
    assert response.headers["ETag"] == md5_etag(b"part one")
    assert storage.complete_multipart(key, upload_id, [(1, response.headers["ETag"])]).size == 8


def test_part_links_are_relative_to_the_app(storage):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")

    assert storage.presign_part(key, upload_id, 3, expires_in=LIFETIME).startswith(
        "/storage/local/part?token="
    )


def test_a_part_sent_again_replaces_the_earlier_one(storage, client):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)

    client.put(url, data=b"first try", headers=JSON)
    etag = client.put(url, data=b"second try", headers=JSON).headers["ETag"]
    storage.complete_multipart(key, upload_id, [(1, etag)])

    with storage.open(key) as stream:
        assert stream.read() == b"second try"


def test_expired_part_link_is_refused_and_stores_nothing(storage, client):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)
    start = storage.clock()
    later(storage, LIFETIME + timedelta(seconds=1))

    response = client.put(url, data=b"too late", headers=JSON)

    assert response.status_code == 403
    assert response.json["detail"] == "This upload link has expired; start the upload again."
    storage.clock = lambda: start
    assert_no_part_was_stored(storage, key, upload_id)


def test_tampered_part_link_is_refused_and_stores_nothing(storage, client):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    token = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME).split("token=", 1)[1]

    response = client.put(f"/storage/local/part?token={tamper(token)}", data=b"forged", headers=JSON)

    assert response.status_code == 403
    assert response.json["detail"] == "This upload link is not valid."
    assert_no_part_was_stored(storage, key, upload_id)


def test_upload_link_cannot_be_used_as_a_part_link(storage, client):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    upload = storage.presign_upload(key, max_size=100, content_type="text/plain", expires_in=LIFETIME)
    token = upload.url.split("token=", 1)[1]

    response = client.put(f"/storage/local/part?token={token}", data=b"sneaky", headers=JSON)

    assert response.status_code == 403
    assert_no_part_was_stored(storage, key, upload_id)


def test_part_for_an_aborted_upload_is_not_found_and_stores_nothing(storage, client):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)
    storage.abort_multipart(key, upload_id)

    response = client.put(url, data=b"after abort", headers=JSON)

    assert response.status_code == 404
    assert response.json["detail"] == "This upload is no longer in progress; start the upload again."
    assert not (storage.root / ".multipart" / upload_id).exists()


def test_part_declaring_more_than_the_limit_is_refused_unread(storage, client, monkeypatch):
    monkeypatch.setattr(local_views, "MAX_PART_SIZE", 10)
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)

    response = client.put(url, data=b"eleven byte", headers=JSON)

    assert response.status_code == 413
    assert_no_part_was_stored(storage, key, upload_id)
    assert client.put(url, data=b"ten bytes!", headers=JSON).status_code == 200


def test_chunked_part_is_streamed_and_cut_off_once_it_passes_the_limit(storage, client, monkeypatch):
    """Without a declared length (chunked transfer), the body is read in pieces until the limit."""
    monkeypatch.setattr(local_views, "MAX_PART_SIZE", 10)
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)
    chunked = {"wsgi.input_terminated": True}

    too_long = client.put(url, input_stream=BytesIO(b"eleven byte"), headers=JSON, environ_overrides=chunked)
    assert too_long.status_code == 413
    assert_no_part_was_stored(storage, key, upload_id)

    fits = client.put(url, input_stream=BytesIO(b"ten bytes!"), headers=JSON, environ_overrides=chunked)
    assert fits.status_code == 200
    assert fits.headers["ETag"] == md5_etag(b"ten bytes!")


def test_put_part_counts_the_bytes_itself(storage):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")

    with pytest.raises(PartTooLarge):
        storage.put_part(key, upload_id, 1, BytesIO(b"eleven byte"), max_size=10)

    assert_no_part_was_stored(storage, key, upload_id)


def test_put_part_refuses_an_upload_id_it_never_issued(storage):
    key = new_key()
    for upload_id in ("../../etc", "NoSuchUploadIdAtAll0123456789"):
        with pytest.raises(UploadNotPending):
            storage.put_part(key, upload_id, 1, BytesIO(b"x"))
    assert not (storage.root / ".multipart").exists()


def test_staging_folder_is_removed_once_the_upload_completes(storage, client):
    key = new_key()
    upload_id = storage.create_multipart(key, content_type="text/plain")
    url = storage.presign_part(key, upload_id, 1, expires_in=LIFETIME)
    etag = client.put(url, data=b"done", headers=JSON).headers["ETag"]
    assert (storage.root / ".multipart" / upload_id / "1").is_file()

    storage.complete_multipart(key, upload_id, [(1, etag)])

    assert not (storage.root / ".multipart" / upload_id).exists()
    assert storage.head(key).sha256 == hashlib.sha256(b"done").hexdigest()
