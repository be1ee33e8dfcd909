"""``flask storage verify``: re-hashes every stored version, finds bytes changed or lost directly in
storage, records each run for the admin's page, continues an interrupted run, and moves versions
recorded before version keys existed off their contributor-reachable upload key."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.core.access import Role
from app.storage import get_storage
from app.submissions import services, verification
from app.submissions.models import StorageCheck, StorageMismatch, SubmissionVersion, Upload
from tests.submissions.conftest import PDF, fetch, send_post


def _entry(app, scene, user, data=PDF):
    ticket = services.start_upload(
        scene.challenge.id,
        user,
        filename="entry.pdf",
        size=len(data),
        content_type="application/pdf",
        title=f"Entry of {user.email}",
    )
    send_post(app, ticket, data)
    return services.finalize_upload(ticket.upload_id, user)


def _three_entries(app, scene, make_user):
    carol = make_user("carol@outside.example", Role.CONTRIBUTOR, name="Carol Clark")
    return [_entry(app, scene, user, PDF + user.email.encode()) for user in (scene.alice, scene.bob, carol)]


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["storage", "verify", *args])


def test_a_healthy_store_verifies_and_the_run_is_recorded(app, db, backend, scene, login, make_user):
    versions = _three_entries(app, scene, make_user)
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "storage verified: 3 version(s) match their SHA-256" in result.output
    check = db.session.scalar(select(StorageCheck))
    assert check.finished_at is not None and check.mismatch_count == 0
    assert (check.versions_checked, check.bytes_checked) == (3, sum(v.size_bytes for v in versions))
    html = login(scene.admin.email).get("/admin/storage").get_data(as_text=True)
    assert f"Last check (run #{check.id})" in html and "Every stored version matched" in html


def test_verify_finds_bytes_changed_and_lost_directly_in_storage(app, db, backend, scene, login, make_user):
    changed, lost, intact = _three_entries(app, scene, make_user)
    storage = get_storage()
    storage.put_stream(changed.storage_key, io.BytesIO(PDF + b"tampered"), content_type="application/pdf")
    storage.delete(lost.storage_key)

    result = _verify(app)

    assert result.exit_code != 0
    assert "storage verification failed: 2 mismatch(es) in 3 version(s)" in result.output
    assert f"version {changed.id} ({changed.storage_key})" in result.output
    mismatches = {row.version_id: row for row in db.session.scalars(select(StorageMismatch))}
    assert set(mismatches) == {changed.id, lost.id}
    assert mismatches[changed.id].found_size == len(PDF + b"tampered")
    assert mismatches[changed.id].expected_sha256 == changed.sha256
    assert mismatches[lost.id].found_sha256 is None and "missing" in mismatches[lost.id].problem
    html = login(scene.admin.email).get("/admin/storage").get_data(as_text=True)
    assert changed.storage_key in html and lost.storage_key in html and intact.storage_key not in html
    assert f"Entry {changed.submission.alias}, version 1" in html
    assert "not the ones verified" in html and "missing from storage" in html


def test_an_interrupted_run_continues_where_it_stopped(app, db, backend, scene, make_user):
    first, second, third = _three_entries(app, scene, make_user)
    # A run that stopped after its first version: exactly what the command leaves behind, since it
    # commits each version's result as soon as it is checked.
    check = verification.open_check()
    verification.check_version(check.id, first.id)
    storage = get_storage()
    # Damage done after a version was checked is not this run's to see; damage ahead of it is.
    storage.put_stream(first.storage_key, io.BytesIO(b"late damage"), content_type="application/pdf")
    storage.put_stream(third.storage_key, io.BytesIO(b"early damage"), content_type="application/pdf")

    result = _verify(app)

    assert f"Continuing run #{check.id} after version {first.id} (1 checked so far)." in result.output
    assert result.exit_code != 0
    assert db.session.scalar(select(StorageCheck.id).order_by(StorageCheck.id.desc())) == check.id
    db.session.expire_all()
    check = db.session.get(StorageCheck, check.id)
    assert check.versions_checked == 3 and check.finished_at is not None
    assert [row.version_id for row in check.mismatches] == [third.id]
    # The next run starts afresh and sees everything.
    again = _verify(app)
    assert f"Run #{check.id + 1}." in again.output
    assert "2 mismatch(es) in 3 version(s)" in again.output
    assert second.id not in {row.version_id for row in db.session.scalars(select(StorageMismatch))}


def test_restart_abandons_an_unfinished_run(app, db, backend, scene, make_user):
    first, *_ = _three_entries(app, scene, make_user)
    check = verification.open_check()
    verification.check_version(check.id, first.id)
    result = _verify(app, "--restart")
    assert result.exit_code == 0, result.output
    assert f"Run #{check.id + 1}." in result.output
    newest = db.session.scalar(select(StorageCheck).order_by(StorageCheck.id.desc()))
    assert newest.versions_checked == 3


def _at_upload_key(db, version):
    """Make a version look like one finalized before version keys existed: at its upload key."""
    upload = db.session.scalar(select(Upload).where(Upload.submission_id == version.submission_id))
    storage = get_storage()
    with storage.open(version.storage_key) as stream:
        storage.put_stream(upload.storage_key, stream, content_type=version.content_type)
    storage.delete(version.storage_key)
    version.storage_key = upload.storage_key
    db.session.commit()
    return upload.storage_key


def test_versions_still_at_their_upload_key_are_moved_to_a_version_key(app, db, backend, scene):
    kept, tampered = _entry(app, scene, scene.alice), _entry(app, scene, scene.bob, PDF + b"bob")
    kept_key, tampered_key = _at_upload_key(db, kept), _at_upload_key(db, tampered)
    storage = get_storage()
    storage.put_stream(tampered_key, io.BytesIO(PDF + b"swapped"), content_type="application/pdf")

    result = _verify(app)

    assert "1 mismatch(es) in 2 version(s)" in result.output
    db.session.expire_all()
    kept, tampered = (
        db.session.get(SubmissionVersion, kept.id),
        db.session.get(SubmissionVersion, tampered.id),
    )
    assert kept.storage_key.startswith("versions/") and storage.head(kept_key) is None
    _, body, _ = fetch(app, services.download_url(kept.submission_id, scene.sponsor))
    assert body == PDF
    # Bytes that no longer match stay where they are, as evidence, and are reported.
    assert tampered.storage_key == tampered_key
    assert [stored.key for stored in storage.list_objects("versions/")] == [kept.storage_key]
    assert db.session.scalar(select(StorageCheck)).versions_moved == 1


def test_the_storage_page_is_for_admins_only_and_linked_from_the_admin_navigation(db, scene, login):
    admin = login(scene.admin.email)
    html = admin.get("/admin/storage").get_data(as_text=True)
    assert "No check has run yet" in html
    assert 'href="/admin/storage"' in admin.get("/admin/jobs").get_data(as_text=True)
    assert login(scene.sponsor.email).get("/admin/storage").status_code == 403
    assert login(scene.alice.email).get("/admin/storage").status_code == 403


def test_a_storage_outage_stops_the_run_with_a_message_and_the_next_run_continues_it(
    app, db, backend, scene, make_user
):
    from tests.services import free_port

    first, *_ = _three_entries(app, scene, make_user)
    check = verification.open_check()
    verification.check_version(check.id, first.id)
    saved = {key: app.config[key] for key in ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET")}
    app.config.update(
        STORAGE_BACKEND="s3", S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", S3_BUCKET="gone"
    )
    app.extensions.pop("podium_storage", None)
    try:
        stopped = _verify(app)
    finally:
        app.config.update(saved)
        app.extensions.pop("podium_storage", None)
    assert stopped.exit_code != 0
    assert f"Run #{check.id} stopped; run this command again to continue it." in stopped.output
    db.session.expire_all()
    assert db.session.get(StorageCheck, check.id).finished_at is None

    resumed = _verify(app)
    assert resumed.exit_code == 0, resumed.output
    assert f"Continuing run #{check.id} after version {first.id}" in resumed.output
    assert db.session.get(StorageCheck, check.id).versions_checked == 3
