"""More than one machine: two gunicorn web servers and two ``flask worker`` processes, each with its own
instance folder and temporary directory (as if on machines of their own), share only PostgreSQL,
Redis and S3. A whole contest is played over HTTP through both servers in turn, request by request:
a session signed in on one server is used on the other, an upload started on one is finalized on the
other, and both answer every read the same way."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from rq import Worker
from sqlalchemy import select

from app.accounts import services as accounts
from app.core.access import Role
from app.core.timeutil import utcnow
from app.ledger import services as ledger
from tests.api.conftest import challenge_body
from tests.conftest import PROJECT_ROOT, TEST_PASSWORD, extract_csrf
from tests.services import free_port

SPONSOR, FINANCE = "sam@acme.example", "fin@host.example"
JUDGES = ["jo@judges.example", "jules@judges.example", "jin@judges.example"]
CONTRIBUTORS = ["ivy@host.example", "ian@host.example", "ida@host.example", "ike@host.example"]  # best first


@dataclass
class Machine:
    """One web server and one worker with a disk of their own: instance folder, TMPDIR and clock."""

    url: str
    root: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def clock(self) -> Path:
        return self.root / "instance" / "clock"


class Cluster:
    """Sends each request to the next server in turn, so every step of a story crosses machines."""

    def __init__(self, machines: list[Machine]):
        self.machines = machines
        self.turn = itertools.cycle(machines)

    def move_clocks(self, by: timedelta) -> None:
        """Each process reads its own clock file, on its own machine's disk; all move together."""
        for machine in self.machines:
            machine.clock.write_text(str(float(machine.clock.read_text()) + by.total_seconds()))

    def call(self, session: requests.Session, method: str, path: str, **kwargs) -> requests.Response:
        return session.request(
            method, next(self.turn).url + path, timeout=60, allow_redirects=False, **kwargs
        )

    def api(self, session: requests.Session, method: str, path: str, expect: int = 200, **kwargs):
        response = self.call(session, method, "/api/v1" + path, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def on_each(self, session: requests.Session, path: str) -> list[object]:
        """The same API read from every server, to compare."""
        answers = []
        for machine in self.machines:
            response = session.get(machine.url + "/api/v1" + path, timeout=60)
            assert response.status_code == 200, response.text
            answers.append(response.json())
        return answers


def eventually(check: Callable[[], object], *, what: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; jobs: {_job_states()}")


def _job_states() -> list[tuple[object, ...]]:
    """What the background jobs were doing, for the message of a test that timed out."""
    from app.extensions import db
    from app.jobs import JobRecord

    db.session.expire_all()
    rows = db.session.execute(select(JobRecord.id, JobRecord.kind, JobRecord.status).order_by(JobRecord.id))
    return [tuple(row) for row in rows]


@pytest.fixture
def cluster(app, db, redis, backend, test_env, tmp_path) -> Iterator[Cluster]:
    shared = {
        **os.environ,
        **test_env,
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"],
        "S3_BUCKET": app.config["S3_BUCKET"],
        "S3_ADDRESSING_STYLE": "path",
    }
    machines = []
    try:
        for name in ("a", "b"):
            root = tmp_path / name
            (root / "instance").mkdir(parents=True)
            (root / "tmp").mkdir()
            machine = Machine(f"http://127.0.0.1:{free_port()}", root)
            machine.clock.write_text("0")
            env = {
                **shared,
                "PODIUM_INSTANCE_PATH": str(root / "instance"),
                "TMPDIR": str(root / "tmp"),
                "PODIUM_TEST_CLOCK_FILE": str(machine.clock),
            }
            env.pop("STORAGE_LOCAL_ROOT", None)
            bind = machine.url.removeprefix("http://")
            for command, log in (
                (
                    ["-m", "gunicorn", "--bind", bind, "--workers", "1", "--threads", "2", "app.wsgi:app"],
                    "web.log",
                ),
                (["-m", "flask", "--app", "app", "worker"], "worker.log"),
            ):
                machine.processes.append(
                    subprocess.Popen(
                        [sys.executable, *command],
                        cwd=PROJECT_ROOT,
                        env=env,
                        stdout=(root / log).open("w"),
                        stderr=subprocess.STDOUT,
                    )
                )
            machines.append(machine)
        for machine in machines:
            eventually(lambda machine=machine: _answers(machine), what=f"{machine.url} to answer", timeout=90)
        yield Cluster(machines)
    finally:
        for machine in machines:
            for process in machine.processes:
                process.send_signal(signal.SIGTERM)
        for machine in machines:
            for process in machine.processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _answers(machine: Machine) -> bool:
    for process in machine.processes:
        if process.poll() is not None:
            raise RuntimeError(f"a process of {machine.url} exited: {(machine.root / 'web.log').read_text()}")
    try:
        return requests.get(machine.url + "/login", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still importing the app
        return False


@pytest.fixture
def cast(db, make_user):
    accounts.create_organization("Northwind", ["host.example"], is_host=True)
    acme = accounts.create_organization("Acme Freight", ["acme.example"], is_sponsor=True)
    make_user(SPONSOR, Role.SPONSOR, name="Sam Sponsor")
    finance = make_user(FINANCE, Role.ADMIN, name="Fin Finance")
    for number, email in enumerate(JUDGES, start=1):
        make_user(email, Role.JUDGE, name=f"Judge {number}")
    for email in CONTRIBUTORS:
        make_user(email, Role.CONTRIBUTOR, name=email.split("@")[0].title())
    ledger.record_deposit(acme.id, "EUR", 5_000_000, "WIRE-TWO", actor=finance)


def signed_in(cluster: Cluster, email: str) -> requests.Session:
    """Sign in through the form (page from one server, post to the other), then take a token through
    the API with the session's CSRF token (a third request, back on the first server)."""
    session = requests.Session()
    token = extract_csrf(cluster.call(session, "GET", "/login").text)
    answer = cluster.call(
        session, "POST", "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.text
    csrf = extract_csrf(cluster.call(session, "GET", "/account/tokens").text)
    issued = cluster.api(
        session,
        "POST",
        "/me/tokens",
        expect=201,
        json={"name": "two machines", "scope": "read_write"},
        headers={"X-CSRFToken": csrf},
    )
    session.headers["Authorization"] = f"Bearer {issued['secret']}"
    return session


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_a_whole_contest_through_two_web_servers_and_two_workers(cluster, cast, db, redis, backend):
    sponsor = signed_in(cluster, SPONSOR)
    now = utcnow()
    body = challenge_body(
        now,
        title="Two machines",
        closes_at=(now + timedelta(days=2)).isoformat(),
        judging_due_at=(now + timedelta(days=4)).isoformat(),
        criteria=[{"name": "Impact"}],
    )
    challenge = cluster.api(sponsor, "POST", "/challenges", expect=201, json=body)
    cid = challenge["id"]
    cluster.api(sponsor, "POST", f"/challenges/{cid}/fund")
    cluster.api(sponsor, "POST", f"/challenges/{cid}/open")
    for email in JUDGES:
        cluster.api(sponsor, "POST", f"/challenges/{cid}/panel", expect=201, json={"email": email})
    judges = {email: signed_in(cluster, email) for email in JUDGES}
    for session in judges.values():
        (invitation,) = cluster.api(session, "GET", "/judging/invitations")["items"]
        cluster.api(session, "POST", f"/judging/invitations/{invitation['id']}/answer", json={"accept": True})

    # Each upload: the ticket from one server, the bytes straight to S3, the finalize on the other.
    place_of_alias, content_of_alias = {}, {}
    for place, email in enumerate(CONTRIBUTORS):
        contributor = signed_in(cluster, email)
        content = b"%PDF-1.7\n" + f"entry {place}\n".encode() * 2000 + b"%%EOF\n"
        ticket = cluster.api(
            contributor,
            "POST",
            "/uploads",
            expect=201,
            json={
                "challenge_id": cid,
                "filename": "plan.pdf",
                "size": len(content),
                "content_type": "application/pdf",
                "title": f"Plan {place}",
            },
        )
        sent = requests.post(ticket["url"], data=ticket["fields"], files={"file": content}, timeout=30)
        assert sent.status_code in (200, 201, 204), sent.text
        upload_path = f"/uploads/{ticket['upload_id']}"
        asked = cluster.api(contributor, "POST", f"{upload_path}/finalize", expect=202)
        assert asked["status"] == "verifying"  # a worker, on either machine, verifies the file

        def verified(contributor=contributor, upload_path=upload_path):
            upload = cluster.api(contributor, "GET", upload_path)
            return upload if upload["status"] == "finalized" else None

        upload = eventually(verified, what="a worker to verify the upload")
        entry = cluster.api(contributor, "GET", f"/submissions/{upload['submission_id']}")
        place_of_alias[entry["alias"]] = place
        content_of_alias[entry["alias"]] = content

    # Past the deadline on every machine's clock; the sponsor closes it on the page.
    cluster.move_clocks(timedelta(days=3))
    slug = challenge["slug"]
    csrf = extract_csrf(cluster.call(sponsor, "GET", f"/challenges/{slug}/manage").text)
    closed = cluster.call(sponsor, "POST", f"/challenges/{slug}/close", data={"close-csrf_token": csrf})
    assert closed.status_code == 302, closed.text

    def queue_of(session):
        queue = cluster.api(session, "GET", "/judging/queue")
        return queue if queue["total"] == len(CONTRIBUTORS) else None

    criterion = str(challenge["criteria"][0]["id"])
    for number, session in enumerate(judges.values()):
        queue = eventually(lambda session=session: queue_of(session), what="the workers to assign judges")
        for item in queue["items"]:
            entry_path = f"/judging/challenges/{cid}/entries/{item['alias']}"
            link = cluster.api(session, "GET", entry_path + "/download")["url"]
            assert requests.get(link, timeout=30).content == content_of_alias[item["alias"]]
            score = 10 - place_of_alias[item["alias"]] - (1 if number == 2 else 0)
            cluster.api(
                session,
                "PUT",
                entry_path + "/review",
                json={"scores": {criterion: score}, "submit": True},
            )

    def proposed():
        results = cluster.api(sponsor, "GET", f"/challenges/{cid}/results")
        return results if results["state"] == "proposed" else None

    eventually(proposed, what="the workers to calibrate and propose results")
    first, second = cluster.on_each(sponsor, f"/challenges/{cid}/results")
    assert first == second
    assert [place_of_alias[row["alias"]] for row in first["entries"]] == [0, 1, 2, 3]
    cluster.api(sponsor, "POST", f"/challenges/{cid}/results/publish")

    finance = signed_in(cluster, FINANCE)

    def payouts_sent():
        items = cluster.api(finance, "GET", f"/payouts?challenge_id={cid}")["items"]
        return items if len(items) == 3 and all(row["status"] == "sent" for row in items) else None

    payouts = eventually(payouts_sent, what="the workers to make and send the payouts")
    for number, payout in enumerate(payouts):
        cluster.api(
            finance,
            "POST",
            f"/payouts/{payout['id']}/paid",
            json={"amount": payout["amount"], "bank_reference": f"BANK-TWO-{number}"},
        )
    paid = {
        row["recipient"]["email"]: (row["amount"]["amount_minor"], row["status"])
        for row in cluster.api(finance, "GET", f"/payouts?challenge_id={cid}")["items"]
    }
    assert paid == {
        CONTRIBUTORS[0]: (500_000, "paid"),
        CONTRIBUTORS[1]: (300_000, "paid"),
        CONTRIBUTORS[2]: (200_000, "paid"),
    }
    winner = signed_in(cluster, CONTRIBUTORS[0])
    first, second = cluster.on_each(winner, "/me/awards")
    assert first == second and len(first["items"]) == 1

    from app.challenges.models import Challenge
    from app.payouts.verification import verify_ledger

    db.session.expire_all()
    assert db.session.scalar(select(Challenge.status).where(Challenge.id == cid)) == "paid"
    assert verify_ledger() == []
    assert len(Worker.all(connection=redis)) == 2  # both workers took jobs from the one Redis
    for machine in cluster.machines:  # nothing was kept on either machine's own disk
        assert sorted(path.name for path in (machine.root / "instance").rglob("*")) == ["clock"]
        assert list((machine.root / "tmp").iterdir()) == []
