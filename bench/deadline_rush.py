"""Benchmark: a deadline rush against a real deployment (gunicorn, RQ worker and cron, PostgreSQL,
Redis, S3 over HTTP) — every upload started in time is accepted and judged, none is counted twice.

Finalize answers at once (202, the upload "verifying") and a worker verifies and records the file, so
the finalize latency below is the request's own (its cheap checks); the run then waits until no upload
is still verifying before it counts what was accepted and judged.

Run from the project root: ``.venv/bin/python -m bench.deadline_rush [--uploads 200]``. It prints its
figures beside their targets and exits 0 whether they are met or not; it exits 1 only when it could
not measure (a service did not start). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 400 + b"%%EOF\n"
# Long enough for the slowest finalize request under this load on a shared 2-core machine (the p99
# below): the grace rule is judged by when finalize is asked for, so a shorter window would refuse
# uploads by rule.
GRACE_SECONDS = 30
CLOSES_AFTER_SECONDS = 6  # the challenge closes this long after the rush begins
SPREAD_BEFORE_SECONDS = 5  # uploads start from this long before closing...
SPREAD_AFTER_SECONDS = 2  # ...until this long after it
FINALIZE_DELAY_MAX_SECONDS = 4.0  # each upload finalizes up to this long after its file is sent
P99_TARGET_SECONDS = 2.0


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to; not a missed target."""


@dataclass
class Outcome:
    """One contributor's upload as the client saw it."""

    started: bool = False
    start_status: int = 0
    finalize_status: int = 0
    finalize_seconds: float | None = None


def _wait_for_http(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{url} exited early")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise BenchError(f"{url} did not answer within {seconds:.0f} s")


def _warm_up(base: str, seconds: float = 120) -> None:
    """Until every web worker has booted: 16 requests at once, each answered within a second."""
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(max_workers=16) as pool:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            answers = list(pool.map(lambda _n: requests.get(base + "/", timeout=30).status_code, range(16)))
            if all(code < 500 for code in answers) and time.perf_counter() - began < 1.0:
                time.sleep(2)  # the RQ workers and cron boot alongside
                return
            time.sleep(0.5)
    raise BenchError("the web workers did not all answer within 2 minutes")


def _set_up(env: dict[str, str], uploads: int):
    """Migrate, then create the people, tokens and the open challenge through the real services."""
    os.environ.update(env)
    import flask_migrate

    from app.accounts import services as accounts
    from app.accounts import tokens
    from app.challenges import services as challenges
    from app.core.access import Role
    from app.core.timeutil import utcnow
    from app.factory import create_app
    from app.judging import panels
    from app.ledger import services as ledger
    from tests.challenges.support import terms_at

    app = create_app()
    # Only the bench's own setup may post a challenge that closes in seconds.
    app.config["CHALLENGE_MIN_SUBMISSION_WINDOW"] = timedelta(seconds=1)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        from app.storage import get_storage

        get_storage().ensure_ready()  # the bucket and its CORS rule
        accounts.create_organization("Host", ["host.example"], is_host=True)
        org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
        admin = accounts.register_user("root@host.example", "Root", "bench-password-1", roles=(Role.ADMIN,))
        sponsor = accounts.register_user(
            "sam@acme.example", "Sam", "bench-password-1", roles=(Role.SPONSOR,), email_verified=True
        )
        ledger.record_deposit(org.id, "EUR", 5_000_000, "WIRE-BENCH", actor=admin)
        secrets = []
        for index in range(uploads):
            person = accounts.register_user(
                f"c{index}@outside.example", f"Contributor {index}", "bench-password-1", email_verified=True
            )
            secrets.append(tokens.issue_token(person, "bench", scope="read_write").secret)
        now = utcnow()
        closes_at = now + timedelta(seconds=CLOSES_AFTER_SECONDS + 30)  # moved below, once set up
        terms = terms_at(
            now,
            opens_at=now,
            closes_at=closes_at,
            judging_due_at=closes_at + timedelta(days=2),
            judges_per_entry=1,
            submissions_per_contributor=1,
        )
        challenge = challenges.create_challenge(sponsor, terms, now=now)
        challenges.fund_challenge(challenge.id, sponsor, now=now)
        for index in range(5):
            judge = accounts.register_user(
                f"judge{index}@judges.example", f"Judge {index}", "bench-password-1", roles=(Role.JUDGE,)
            )
            member = panels.invite_judge(challenge.id, sponsor, judge.email)
            panels.respond_to_invitation(member.id, judge, accept=True)
        challenges.open_now(challenge.id, sponsor)
        challenge_id = challenge.id
    return app, challenge_id, secrets


def _set_closing(app, challenge_id: int):
    """Close a few seconds from now, once every service is up (bench set-up: no service moves a
    deadline earlier). The periodic sweep closes it, as it would a challenge whose job was lost."""
    from app.challenges import services as challenges
    from app.core.timeutil import utcnow
    from app.extensions import db

    with app.app_context():
        challenge = challenges.get_challenge(challenge_id)
        closes_at = utcnow() + timedelta(seconds=CLOSES_AFTER_SECONDS)
        challenge.closes_at = closes_at
        db.session.commit()
        return closes_at


def _upload(base: str, secret: str, challenge_id: int, start_at: float, rng: random.Random) -> Outcome:
    outcome = Outcome()
    headers = {"Authorization": f"Bearer {secret}"}
    time.sleep(max(0.0, start_at - time.time()))
    started = requests.post(
        f"{base}/api/v1/uploads",
        json={"challenge_id": challenge_id, "filename": "entry.pdf", "size": len(PDF), "title": "Entry"},
        headers=headers,
        timeout=60,
    )
    outcome.start_status = started.status_code
    if started.status_code != 201:
        return outcome
    outcome.started = True
    ticket = started.json()
    sent = requests.post(ticket["url"], data=ticket["fields"], files={"file": ("entry.pdf", PDF)}, timeout=60)
    if sent.status_code >= 300:
        return outcome
    time.sleep(rng.uniform(0, FINALIZE_DELAY_MAX_SECONDS))
    began = time.perf_counter()
    finalized = requests.post(
        f"{base}/api/v1/uploads/{ticket['upload_id']}/finalize", headers=headers, timeout=120
    )
    outcome.finalize_seconds = time.perf_counter() - began
    outcome.finalize_status = finalized.status_code
    return outcome


def _figures(app, challenge_id: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from app.core.audit import AuditEvent
    from app.extensions import db
    from app.judging.models import Assignment
    from app.submissions.models import Submission, SubmissionVersion, Upload

    with app.app_context():
        from app.challenges import services as challenges

        challenge = challenges.get_challenge(challenge_id)
        uploads = db.session.scalars(select(Upload).where(Upload.challenge_id == challenge_id)).all()
        in_time = [upload for upload in uploads if upload.started_at < challenge.closes_at]
        accepted = [upload for upload in uploads if upload.status == "finalized"]
        refused = [upload for upload in uploads if upload.status == "rejected"]
        verifying = [upload for upload in uploads if upload.status == "verifying"]
        submissions = db.session.scalars(
            select(Submission).where(Submission.challenge_id == challenge_id)
        ).all()
        assigned = set(
            db.session.scalars(
                select(Assignment.submission_id).where(
                    Assignment.challenge_id == challenge_id, Assignment.status == "active"
                )
            )
        )
        versions = db.session.scalar(
            select(func.count())
            .select_from(SubmissionVersion)
            .join(Submission)
            .where(Submission.challenge_id == challenge_id)
        )
        recorded = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "submission.version_added")
        )
        per_person = db.session.execute(
            select(Submission.contributor_id, func.count())
            .where(Submission.challenge_id == challenge_id)
            .group_by(Submission.contributor_id)
        ).all()
        return {
            "status": challenge.status,
            "started": len(uploads),
            "started_in_time": len(in_time),
            "accepted": len(accepted),
            "refused": len(refused),
            "verifying": len(verifying),
            "in_time_not_accepted": sum(1 for upload in in_time if upload.status != "finalized"),
            "accepted_not_assigned": sum(1 for entry in submissions if entry.id not in assigned),
            "reasons": sorted({upload.rejection_reason or "" for upload in refused}),
            "double": (versions - len(accepted))
            + sum(count - 1 for _person, count in per_person)
            + abs(recorded - versions),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--web-workers", type=int, default=4)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests import services as test_services

    work = Path(tempfile.mkdtemp(prefix="podium-rush-"))
    database = test_services.DEFAULT_DATABASE_URL.rsplit("/", 1)[0] + f"/podium_bench_{os.getpid()}"
    test_services.ensure_database(database)
    processes: list[subprocess.Popen] = []
    try:
        moto, endpoint = test_services.start_moto_server(work)
        processes.append(moto)
        port = test_services.free_port()
        env = {
            "PODIUM_ENV": "testing",
            "PODIUM_INSTANCE_PATH": str(work / "instance"),
            "DATABASE_URL": database,
            "REDIS_URL": test_services.redis_url(),
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": endpoint,
            "S3_BUCKET": "podium-rush",
            "S3_CREATE_BUCKET": "1",
            "S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "MAIL_BACKEND": "log",
            "SECRET_KEY": "bench-secret",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SUBMISSION_GRACE_SECONDS": str(GRACE_SECONDS),
            "SWEEP_INTERVAL_SECONDS": "5",
            "INTERNAL_EMAIL_DOMAINS": "",
        }
        print(f"setting up {args.uploads} contributors...", flush=True)
        app, challenge_id, secrets = _set_up(env, args.uploads)
        from redis import Redis

        Redis.from_url(env["REDIS_URL"]).flushdb()  # a clean slate of jobs for this run
        full_env = {**os.environ, **env}
        venv = Path(sys.executable).parent
        log = (work / "services.log").open("wb")
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own gunicorn, with arguments we build
                [
                    str(venv / "gunicorn"),
                    "-w",
                    str(args.web_workers),
                    "-k",
                    "gthread",
                    "--threads",
                    "8",
                    "-b",
                    f"127.0.0.1:{port}",
                    "app.wsgi:app",
                ],
                cwd=ROOT,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "app", "worker"],
                    cwd=ROOT,
                    env=full_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "cron"],
                cwd=ROOT,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        base = f"http://127.0.0.1:{port}"
        _wait_for_http(base + "/", processes[1])
        _warm_up(base)

        closes_at = _set_closing(app, challenge_id)
        close_epoch = closes_at.timestamp()
        rng = random.Random(7)
        starts = [
            close_epoch + rng.uniform(-SPREAD_BEFORE_SECONDS, SPREAD_AFTER_SECONDS)
            for _ in range(args.uploads)
        ]
        print(
            f"rush: {args.uploads} uploads starting from {SPREAD_BEFORE_SECONDS} s before closing to "
            f"{SPREAD_AFTER_SECONDS} s after; grace {GRACE_SECONDS} s",
            flush=True,
        )
        with ThreadPoolExecutor(max_workers=args.uploads) as pool:
            futures = [
                pool.submit(_upload, base, secret, challenge_id, start, random.Random(index))
                for index, (secret, start) in enumerate(zip(secrets, starts, strict=True))
            ]
            outcomes = [future.result() for future in futures]

        # Assignment runs once the grace window is over, and the workers verify every finalized upload;
        # wait for both (polling the database, with a deadline).
        deadline = time.monotonic() + GRACE_SECONDS + 120
        figures = _figures(app, challenge_id)
        while time.monotonic() < deadline:
            figures = _figures(app, challenge_id)
            if (
                figures["status"] == "judging"
                and figures["verifying"] == 0
                and figures["accepted_not_assigned"] == 0
            ):
                break
            time.sleep(1)
        latencies = sorted(o.finalize_seconds for o in outcomes if o.finalize_seconds is not None)
        if not latencies:
            statuses = sorted({(o.start_status, o.finalize_status) for o in outcomes})
            raise BenchError(f"no upload reached finalize; (start, finalize) statuses seen: {statuses}")
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
        lost = figures["in_time_not_accepted"] + figures["accepted_not_assigned"]
        refused_at_start = sum(1 for o in outcomes if not o.started)

        def verdict(ok: bool) -> str:
            return "PASS" if ok else "MISS"

        print()
        print(f"challenge status after the grace window: {figures['status']}")
        print(f"uploads begun: {args.uploads}; refused at start (after closing): {refused_at_start}")
        print(f"started in time (by the server's clock): {figures['started_in_time']}")
        print(f"still verifying when counted: {figures['verifying']}")
        print(
            f"accepted: {figures['accepted']:>4}   target {figures['started_in_time']} (every in-time upload)   "
            f"{verdict(figures['accepted'] == figures['started_in_time'])}"
        )
        print(
            f"refused at finalize: {figures['refused']:>4}   target 0 among in-time uploads   "
            f"{verdict(figures['in_time_not_accepted'] == 0)}"
        )
        print(
            f"lost: {lost:>4}   target 0   {verdict(lost == 0)}  "
            f"(in time but not accepted {figures['in_time_not_accepted']}, "
            f"accepted but not assigned {figures['accepted_not_assigned']})"
        )
        for reason in figures["reasons"]:
            print(f"  refused because: {reason}")
        print(f"double-counted: {figures['double']:>4}   target 0   {verdict(figures['double'] == 0)}")
        print(
            f"finalize latency p50: {p50:.3f} s   p99: {p99:.3f} s   target p99 < {P99_TARGET_SECONDS:.1f} s   "
            f"{verdict(p99 < P99_TARGET_SECONDS)}"
        )
        return 0
    except BenchError as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 1
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        test_services.drop_database(database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
