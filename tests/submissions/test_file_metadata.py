"""At finalize, a name or e-mail in the file's own metadata is found and shown to its contributor
(where they finalize and on the entry's page), who may send a clean version; judges and the sponsor
are never shown the finding. A file whose metadata cannot be read is accepted all the same."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.core.access import Role
from app.judging import panels
from app.judging.models import Assignment
from app.submissions import services
from app.submissions.models import SubmissionVersion
from tests.conftest import extract_csrf
from tests.metadata_samples import docx_by, jpeg_by, pdf_by
from tests.scenes import close_with_grace_over
from tests.submissions.conftest import send_post

NAME = "Ottoline Vexley"


def _allow_all(db, scene):
    scene.challenge.allowed_types = ["application/pdf", "image/jpeg", "application/zip"]
    db.session.commit()


def test_a_pdf_naming_its_author_is_reported_to_the_contributor_at_finalize(
    app, db, backend, scene, login, verify_worker
):
    data = pdf_by(NAME, xmp_creator="ottoline@vexley.example")
    ticket = services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="study.pdf",
        size=len(data),
        content_type="application/pdf",
        title="Routing study",
    )
    assert send_post(app, ticket, data) in (200, 201, 204)
    browser = login("alice@outside.example")
    page = browser.get(f"/challenges/{scene.challenge.slug}").get_data(as_text=True)
    answer = browser.post(
        f"/submissions/uploads/{ticket.upload_id}/finalize", headers={"X-CSRFToken": extract_csrf(page)}
    )
    assert answer.status_code == 202, answer.get_data(as_text=True)
    verify_worker()  # the job reads the file, its metadata included
    answer = browser.get(answer.get_json()["status_url"])
    assert answer.get_json()["identity_fields"] == [
        {"field": "PDF document info: author", "value": NAME},
        {"field": "PDF XMP metadata: creator", "value": "ottoline@vexley.example"},
    ]
    entry = browser.get(answer.get_json()["location"]).get_data(as_text=True)
    assert "Your file's metadata may name you" in entry
    assert f"PDF document info: author: “{NAME}”" in entry
    assert "send a new version" in entry


@pytest.mark.parametrize(
    ("filename", "data", "field"),
    [
        ("photo.jpg", jpeg_by(NAME, owner="ottoline@vexley.example"), "EXIF artist"),
        (
            "study.docx",
            docx_by(NAME, editor="ottoline@vexley.example", company="Vexley Ltd"),
            "Office document properties: author",
        ),
    ],
)
def test_photos_and_office_files_are_inspected_and_judges_never_see_the_findings(
    app, db, scene, make_user, login, run_worker, filename, data, field
):
    _allow_all(db, scene)
    contributor = login("alice@outside.example")
    form = f"/submissions/new/{scene.challenge.slug}"
    token = extract_csrf(contributor.get(form).get_data(as_text=True))
    sent = contributor.post(
        form,
        data={"csrf_token": token, "title": "Routing study", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    entry_page = contributor.get(sent.headers["Location"]).get_data(as_text=True)
    assert "The file&#39;s own metadata names you" in entry_page  # the flash where they finalized
    assert f"{field}: “{NAME}”" in entry_page
    version = db.session.scalar(select(SubmissionVersion))
    assert {"field": field, "value": NAME} in version.identity_fields

    judge = make_user("jane.judge@judges.example", Role.JUDGE)
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    panels.respond_to_invitation(member.id, judge, accept=True)
    scene.challenge.judges_per_entry = 1
    db.session.commit()
    close_with_grace_over(scene.challenge)
    run_worker()
    db.session.expire_all()
    assignment = db.session.scalar(select(Assignment))
    seen = [
        login(judge.email).get(path).get_data(as_text=True)
        for path in ("/judge", f"/judging/entries/{assignment.id}")
    ]
    seen += [
        login("sam@acme.example").get(path).get_data(as_text=True)
        for path in (f"/challenges/{scene.challenge.slug}/manage", f"/judging/results/{scene.challenge.slug}")
    ]
    for html in seen:
        assert NAME not in html and "metadata" not in html.lower()
    assert login(judge.email).get(f"/submissions/{assignment.submission_id}").status_code == 404


def test_a_file_whose_metadata_cannot_be_read_is_accepted_and_reports_nothing(app, db, backend, scene):
    broken = b"%PDF-1.7\n" + b"\x00garbage" * 100  # passes the type check, defeats the parser
    ticket = services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="odd.pdf",
        size=len(broken),
        content_type="application/pdf",
        title="Routing study",
    )
    assert send_post(app, ticket, broken) in (200, 201, 204)
    version = services.finalize_upload(ticket.upload_id, scene.alice)
    assert version.number == 1
    assert not version.identity_fields


def test_the_api_tells_its_contributor_too(app, db, backend, scene):
    data = pdf_by(NAME)
    ticket = services.start_upload(
        scene.challenge.id,
        scene.alice,
        filename="study.pdf",
        size=len(data),
        content_type="application/pdf",
        title="Routing study",
    )
    send_post(app, ticket, data)
    services.finalize_upload(ticket.upload_id, scene.alice)
    from app.api.submissions import submission_out

    out = submission_out(db.session.scalar(select(SubmissionVersion)).submission)
    assert out.versions[0].identity_fields[0].value == NAME
