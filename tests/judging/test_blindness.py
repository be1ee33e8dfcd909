"""Blindness: before results are published, nothing a judge or the sponsor receives (pages, JSON,
download names, e-mails) names the contributor, their e-mail, or their original file name."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from app.core.access import Role
from app.judging import panels
from app.judging.models import Assignment
from tests.conftest import extract_csrf
from tests.scenes import close_with_grace_over
from tests.submissions.conftest import PDF

NAME, EMAIL, FILENAME = "Ottoline Vexley", "ottoline.vexley@vexley-secret.example", "vexley-thesis-final.pdf"
MARKERS = (NAME, EMAIL, FILENAME, "Vexley", "vexley-secret")


class Recorder:
    """Wraps a signed-in test client and keeps every response body and header for scanning."""

    def __init__(self, client):
        self.client = client
        self.seen: list[str] = []

    def _keep(self, response):
        self.seen.append(response.get_data(as_text=True))
        self.seen.append(str(response.headers))
        return response

    def get(self, *args, **kwargs):
        return self._keep(self.client.get(*args, **kwargs))

    def post(self, *args, **kwargs):
        return self._keep(self.client.post(*args, **kwargs))


def _leaks(texts) -> list[str]:
    found = []
    for text in texts:
        lowered = text.lower()
        found += [marker for marker in MARKERS if marker.lower() in lowered]
    return found


def test_nothing_judge_or_sponsor_facing_names_the_contributor(
    app, db, scene, make_user, login, run_worker, mailbox
):
    make_user(EMAIL, Role.CONTRIBUTOR, name=NAME)
    contributor = login(EMAIL)
    token = extract_csrf(contributor.get(f"/submissions/new/{scene.challenge.slug}").get_data(as_text=True))
    contributor.post(
        f"/submissions/new/{scene.challenge.slug}",
        data={"csrf_token": token, "title": "Routing study", "file": (io.BytesIO(PDF), FILENAME)},
        content_type="multipart/form-data",
    )
    judge = make_user("jane.judge@judges.example", Role.JUDGE, name="Jane Judge")
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    panels.respond_to_invitation(member.id, judge, accept=True)
    scene.challenge.judges_per_entry = 1
    db.session.commit()
    close_with_grace_over(scene.challenge)
    run_worker()  # assignment at close, and every e-mail queued so far
    db.session.expire_all()
    assignment = db.session.scalar(select(Assignment))

    judge_view = Recorder(login("jane.judge@judges.example"))
    judge_view.get("/judge")
    judge_view.get("/judging/invitations")
    entry_page = judge_view.get(f"/judging/entries/{assignment.id}")
    first, second = scene.challenge.criteria
    judge_view.post(
        f"/judging/entries/{assignment.id}",
        data={
            "csrf_token": extract_csrf(entry_page.get_data(as_text=True)),
            f"criterion-{first.id}": "8",
            f"criterion-{second.id}": "7",
            "action": "submit",
        },
    )
    download = judge_view.get(f"/submissions/{assignment.submission_id}/download")
    judge_view.seen.append(str(app.test_client().get(download.headers["Location"]).headers))
    judge_view.get(f"/submissions/{assignment.submission_id}", headers={"Accept": "application/json"})
    judge_view.get("/inbox/")
    run_worker()  # aggregation, and the sponsor's e-mails

    sponsor_view = Recorder(login("sam@acme.example"))
    for path in (
        "/sponsor",
        f"/challenges/{scene.challenge.slug}/manage",
        f"/challenges/{scene.challenge.slug}",
        f"/judging/results/{scene.challenge.slug}",
        "/inbox/",
    ):
        assert sponsor_view.get(path).status_code == 200, path
    sponsor_download = sponsor_view.get(f"/submissions/{assignment.submission_id}/download")
    sponsor_view.seen.append(str(app.test_client().get(sponsor_download.headers["Location"]).headers))
    sponsor_view.get(f"/judging/results/{scene.challenge.slug}", headers={"Accept": "application/json"})

    emails = [
        message.as_string()
        for message in mailbox.messages
        if message["To"] in (judge.email, scene.sponsor.email)
    ]
    assert emails, "the judge and the sponsor should have been e-mailed"
    assert re.search(r"entry-[a-z0-9]{4}-v1\.pdf", " ".join(judge_view.seen))  # the alias name is used
    assert _leaks(judge_view.seen) == []
    assert _leaks(sponsor_view.seen) == []
    assert _leaks(emails) == []
