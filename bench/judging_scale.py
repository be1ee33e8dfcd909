"""Benchmark: judging a large challenge end to end on real PostgreSQL: assignment, aggregation, the last review.

Run from the project root: ``.venv/bin/python -m bench.judging_scale [--entries N] [--judges J]``, with
PostgreSQL and Redis on 127.0.0.1. It creates a throwaway database (``podium_bench_judging_<pid>``,
dropped at the end) and claims a Redis database the way the tests do (emptied at the end). The
challenge, its sponsor and rubric are made with the models; the crowd is seeded with set-based SQL:
N contributors and entries (each with a finalized version), J judges on the panel, organisations,
managers and declarations chosen so that conflict detection has real work. Then, each step through the
real service or job with a SQLAlchemy ``before_cursor_execute`` listener counting statements:

1. ``assigning.assign_judges`` with the challenge being judged (the path the assignment job takes at
   close): wall seconds, SQL statements, and the peak RSS growth of the process during the call;
2. the same call with the challenge closed (the full ``assign`` core with expertise and balance), on
   the assignments cleared, for reference;
3. reviews for every assignment but one are seeded, and that last one is submitted through
   ``reviews.save_review`` (the completion check and the enqueue of the aggregation job included);
4. the aggregation job, ``jobs.aggregate_when_ready``: calibration, ranking with prize probabilities,
   ties, and the writes of every result, ending in proposed results.

Prints each figure beside its target with PASS or MISS and exits 0 either way. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

ASSIGN_TARGET_SECONDS = 3.0
ASSIGN_TARGET_STATEMENTS = 50
ASSIGN_TARGET_MIB = 150.0
AGGREGATE_TARGET_SECONDS = 5.0
LAST_REVIEW_TARGET_MS = 50.0
ORGANISATIONS = 50
SKILL = "Forecasting"


@dataclass
class Counted:
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process alone: the database server's work is in ``seconds`` only
    statements: int = 0
    slowest: float = 0.0  # seconds, the longest single statement (as the driver waited for it)
    rss_growth_mib: float = 0.0


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


@contextmanager
def measured(engine) -> Iterator[Counted]:
    """Wall time, statements on ``engine``, and RSS growth (high-water after minus RSS before)."""
    from sqlalchemy import event

    figures = Counted()

    began: list[float] = []

    def note(*_args: Any) -> None:
        figures.statements += 1
        began.append(time.perf_counter())

    def done(*_args: Any) -> None:
        figures.slowest = max(figures.slowest, time.perf_counter() - began.pop())

    rss_before = _rss_mib()
    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "after_cursor_execute", done)
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        yield figures
    finally:
        figures.seconds = time.perf_counter() - started
        figures.cpu_seconds = time.process_time() - cpu_started
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "after_cursor_execute", done)
        figures.rss_growth_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _line(label: str, figure: str, target: str, ok: bool | None) -> None:
    print(f"    {label:<44}{figure:>10}   {target:<10}{'' if ok is None else _verdict(ok)}")


def _set_up(app, entries: int, judges: int) -> tuple[int, int]:
    """The sponsor, a challenge being judged (2 criteria, one skill), and the seeded crowd.

    Returns the challenge id and the sponsor's id."""
    from sqlalchemy import text

    from app.accounts.models import Organization, User, UserRole
    from app.challenges.models import Challenge, RubricCriterion
    from app.core.access import Role
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.skills.models import Skill

    now = utcnow()
    with app.app_context():
        sponsor_org = Organization(name="Bench Sponsor", is_sponsor=True)
        sponsor = User(
            email="sponsor@bench-sponsor.example",
            email_key="sponsor@bench-sponsor.example",
            display_name="Bench Sponsor",
            password_hash="!",  # noqa: S106 - no password: nobody signs in as the bench sponsor
            organization=sponsor_org,
        )
        sponsor.role_grants.append(UserRole(role=Role.SPONSOR.value))
        skill = Skill(name=SKILL, slug=SKILL.lower())
        challenge = Challenge(
            slug="bench-judging-scale",
            title="Bench: judging at scale",
            summary="A large challenge for the judging benchmark.",
            status="judging",
            sponsor_org=sponsor_org,
            currency="EUR",
            bounty_minor=1_000_000,
            tiers_bp=[5000, 3000, 2000],
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1),
            judging_due_at=now + timedelta(days=14),
            max_file_bytes=50 * 1024 * 1024,
            allowed_types=["application/pdf"],
            judges_per_entry=3,
            judges_conflict_with_own_org=True,
        )
        challenge.skills = [skill]
        challenge.criteria = [
            RubricCriterion(position=0, name="Accuracy", weight=2),
            RubricCriterion(position=1, name="Clarity", weight=1),
        ]
        db.session.add_all([sponsor, challenge])
        db.session.commit()
        challenge_id, sponsor_id, skill_id = challenge.id, sponsor.id, skill.id
        params = {
            "challenge": challenge_id,
            "skill": skill_id,
            "entries": entries,
            "judges": judges,
            "orgs": ORGANISATIONS,
        }
        seed = [
            "SELECT setseed(0.2026)",
            # Organisations the judges and a third of the contributors belong to.
            "INSERT INTO organizations (name, is_host, is_sponsor, approval_cap_hours_per_week, created_at) "
            "SELECT 'Bench Org ' || g, false, false, 10, now() FROM generate_series(1, :orgs) g",
            # Judges: every one in an organisation; a fifth list the challenge's skill.
            "INSERT INTO users (email, email_key, display_name, password_hash, organization_id, timezone, "
            "is_active_account, session_version, created_at, shows_on_leaderboard) "
            "SELECT 'judge' || g || '@bench-judges.example', 'judge' || g || '@bench-judges.example', "
            "'Judge ' || g, '!', (SELECT id FROM organizations WHERE name = 'Bench Org ' || (1 + g % :orgs)), "
            "'UTC', true, 1, now(), false FROM generate_series(1, :judges) g",
            # Contributors: a third in an organisation (the rest outside), 2% managed by a judge.
            "INSERT INTO users (email, email_key, display_name, password_hash, organization_id, manager_id, "
            "timezone, is_active_account, session_version, created_at, shows_on_leaderboard) "
            "SELECT 'maker' || g || '@bench-makers.example', 'maker' || g || '@bench-makers.example', "
            "'Maker ' || g, '!', "
            "CASE WHEN g % 3 = 0 THEN (SELECT id FROM organizations WHERE name = 'Bench Org ' || (1 + g % :orgs)) END, "
            "CASE WHEN g % 50 = 7 THEN (SELECT id FROM users WHERE email_key = "
            "'judge' || (1 + g % :judges) || '@bench-judges.example') END, "
            "'UTC', true, 1, now(), false FROM generate_series(1, :entries) g",
            # A judge in ten reports to a contributor (the other direction of a manager chain).
            "UPDATE users AS j SET manager_id = m.id FROM users AS m "
            "WHERE j.email_key LIKE 'judge%@bench-judges.example' "
            "AND split_part(split_part(j.email_key, '@', 1), 'judge', 2)::int % 10 = 3 "
            "AND m.email_key = 'maker' || (split_part(split_part(j.email_key, '@', 1), 'judge', 2)::int * 17 "
            "% :entries + 1) || '@bench-makers.example'",
            "INSERT INTO user_skills (user_id, skill_id, level) SELECT id, :skill, 3 FROM users "
            "WHERE email_key LIKE 'judge%@bench-judges.example' AND id % 5 = 0",
            "INSERT INTO user_roles (user_id, role, granted_at) SELECT id, 'judge', now() FROM users "
            "WHERE email_key LIKE 'judge%@bench-judges.example'",
            "INSERT INTO panel_members (challenge_id, judge_id, status, invited_at, responded_at) "
            "SELECT :challenge, id, 'accepted', now(), now() FROM users "
            "WHERE email_key LIKE 'judge%@bench-judges.example'",
            "INSERT INTO submissions (challenge_id, contributor_id, alias, title, description_md, status, "
            "created_at) SELECT :challenge, id, 'E' || lpad(to_hex(id), 6, '0'), 'Entry of ' || display_name, "
            "'', 'active', now() - interval '2 days' + id * interval '1 second' FROM users "
            "WHERE email_key LIKE 'maker%@bench-makers.example'",
            "INSERT INTO submission_versions (submission_id, number, storage_key, size_bytes, sha256, "
            "content_type, original_filename, upload_started_at, created_at) "
            "SELECT id, 1, 'bench/' || md5(id::text), 1024, md5(id::text) || md5(id::text), "
            "'application/pdf', 'entry.pdf', created_at, created_at FROM submissions "
            "WHERE challenge_id = :challenge",
            # Declarations in effect: every judge names two people by e-mail; one in five, an organisation.
            "INSERT INTO declared_conflicts (judge_id, email_key, created_at, effective_at) "
            "SELECT j.id, 'maker' || ((j.id * 7 + d * 101) % :entries + 1) || '@bench-makers.example', "
            "now(), now() FROM users j CROSS JOIN generate_series(0, 1) d "
            "WHERE j.email_key LIKE 'judge%@bench-judges.example'",
            "INSERT INTO declared_conflicts (judge_id, organization_name, created_at, effective_at) "
            "SELECT j.id, 'bench org ' || (1 + (j.id * 3) % :orgs), now(), now() FROM users j "
            "WHERE j.email_key LIKE 'judge%@bench-judges.example' AND j.id % 5 = 1",
            "ANALYZE",
        ]
        for statement in seed:
            db.session.execute(text(statement), params)
        db.session.commit()
    return challenge_id, sponsor_id


def _seed_reviews(app, challenge_id: int) -> int:
    """A submitted review for every active assignment but the last; returns that last assignment's id.

    Each entry has a quality and each judge a leniency, both fixed by their ids, plus noise per review,
    so calibration has something to learn."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        last = db.session.scalar(
            text("SELECT max(id) FROM assignments WHERE challenge_id = :c AND status = 'active'"),
            {"c": challenge_id},
        )
        criteria = [
            row[0]
            for row in db.session.execute(
                text("SELECT id FROM rubric_criteria WHERE challenge_id = :c ORDER BY position"),
                {"c": challenge_id},
            )
        ]
        score = (
            "greatest(1, least(10, round(5.5 + ((a.submission_id * 7919) % 1000) / 300.0 - 1.67 "
            "+ ((a.judge_id * 31) % 7 - 3) * 0.4 + (random() - 0.5) * 2)))::int"
        )
        db.session.execute(
            text(
                "INSERT INTO reviews (assignment_id, scores, comment_for_sponsor, comment_for_contributor, "  # noqa: S608 - the rubric's own ids
                "status, updated_at, submitted_at) "
                f"SELECT a.id, json_build_object('{criteria[0]}', {score}, '{criteria[1]}', {score}), '', '', "
                "'submitted', now(), now() FROM assignments a "
                "WHERE a.challenge_id = :c AND a.status = 'active' AND a.id <> :last"
            ),
            {"c": challenge_id, "last": last},
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return int(last)


def _set_status(app, challenge_id: int, status: str, *, clear: bool = False) -> None:
    """Bench set-up: move the challenge to ``status``, and with ``clear`` drop its assignments."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if clear:
            db.session.execute(text("DELETE FROM assignments WHERE challenge_id = :c"), {"c": challenge_id})
        db.session.execute(
            text("UPDATE challenges SET status = :s WHERE id = :c"), {"s": status, "c": challenge_id}
        )
        db.session.commit()


def _run(app, step: Callable[[], Any]) -> tuple[Counted, Any]:
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        with measured(db.engine) as figures:
            answer = step()
        return figures, answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000, help="entries (default 10,000)")
    parser.add_argument("--judges", type=int, default=500, help="judges on the panel (default 500)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests import services as test_services

    database = test_services.DEFAULT_DATABASE_URL.rsplit("/", 1)[0] + f"/podium_bench_judging_{os.getpid()}"
    test_services.ensure_database(database)
    redis_url = test_services.redis_url()
    env = {
        **os.environ,
        "PODIUM_ENV": "testing",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "MAIL_BACKEND": "log",
        "SECRET_KEY": "bench-secret",
        "INTERNAL_EMAIL_DOMAINS": "",
    }
    try:
        return _bench(env, args.entries, args.judges)
    finally:
        from redis import Redis

        Redis.from_url(redis_url).flushdb()  # the jobs the run enqueued; the database is ours alone
        test_services.drop_database(database)


def _bench(env: dict[str, str], entries: int, judges: int) -> int:
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.models import User
    from app.extensions import db
    from app.jobs import redis_connection
    from app.judging import assigning, jobs, reviews
    from config import TestingConfig

    app = create_app(TestingConfig(env))
    with app.app_context(), open(os.devnull, "w") as quiet, redirect_stderr(quiet):
        upgrade()  # alembic logs every revision to stderr
    started = time.perf_counter()
    challenge_id, _sponsor_id = _set_up(app, entries, judges)
    print(
        f"seeded {entries:,} entries, {judges:,} judges, {ORGANISATIONS} organisations, managers and "
        f"declarations in {time.perf_counter() - started:.1f} s"
    )

    # First with judging started (the job's path), then cleared and closed (the full core); the
    # reviews go to the second run's pairs once judging is back on.
    judging, outcome = _run(app, lambda: assigning.assign_judges(challenge_id))
    _set_status(app, challenge_id, "closed", clear=True)
    closed, _ = _run(app, lambda: assigning.assign_judges(challenge_id))
    _set_status(app, challenge_id, "judging")
    with app.app_context():
        pairs, short = db.session.execute(
            db.text(
                "SELECT count(*), (SELECT count(*) FROM submissions s WHERE s.challenge_id = :c AND "
                "(SELECT count(*) FROM assignments a WHERE a.submission_id = s.id AND a.status = 'active') < 3) "
                "FROM assignments WHERE challenge_id = :c AND status = 'active'"
            ),
            {"c": challenge_id},
        ).one()
    print(
        f"\nassign_judges: {entries:,} entries x {judges:,} judges x 3 ({pairs:,} pairs, {short} entries short)"
    )
    for label, figures in (
        ("judging started (the assignment job's path)", judging),
        ("before judging (the full core, with expertise)", closed),
    ):
        print(f"  {label}")
        _line(
            "wall",
            f"{figures.seconds:.2f} s",
            f"<= {ASSIGN_TARGET_SECONDS:g} s",
            figures.seconds <= ASSIGN_TARGET_SECONDS,
        )
        _line("  CPU of this process", f"{figures.cpu_seconds:.2f} s", "", None)
        _line("  slowest statement", f"{figures.slowest:.2f} s", "", None)
        _line(
            "SQL statements",
            f"{figures.statements:,}",
            f"<= {ASSIGN_TARGET_STATEMENTS}",
            figures.statements <= ASSIGN_TARGET_STATEMENTS,
        )
        _line(
            "peak RSS growth",
            f"{figures.rss_growth_mib:.0f} MiB",
            f"< {ASSIGN_TARGET_MIB:g} MiB",
            figures.rss_growth_mib < ASSIGN_TARGET_MIB,
        )
    if outcome.message:
        print(f"  ({outcome.message[:120]}...)")

    last = _seed_reviews(app, challenge_id)
    with app.app_context():
        db.session.remove()
        # Loading the judge and assignment is the request's sign-in and routing, not the submit.
        from app.judging.models import Assignment

        assignment = db.session.get(Assignment, last)
        judge = db.session.get(User, assignment.judge_id)
        scores = {str(c.id): 7 for c in assignment.submission.challenge.criteria}
        # The review page autosaves a draft before the judge submits; it also warms this process's
        # caches and its Redis connection, as a web process that has served requests has them.
        reviews.save_review(last, judge, scores)
        redis_connection().ping()

        def signed_in() -> User:
            """A request's start: a fresh session, and the judge loaded with their roles, as sign-in does."""
            db.session.remove()
            person = db.session.get(User, assignment_judge)
            assert person is not None and person.roles
            return person

        assignment_judge = judge.id
        judge = signed_in()
        with measured(db.engine) as submit:
            reviews.save_review(last, judge, scores, submit=True)
        again = []
        for _ in range(5):  # submitting again (a revision) runs the same completion check
            judge = signed_in()
            with measured(db.engine) as revision:
                reviews.save_review(last, judge, scores, submit=True)
            again.append(revision.seconds * 1000)
    print(f"\nthe last review's submit (of {pairs:,} assignments)")
    ms = submit.seconds * 1000
    _line("wall", f"{ms:.0f} ms", f"<= {LAST_REVIEW_TARGET_MS:g} ms", ms <= LAST_REVIEW_TARGET_MS)
    _line("  CPU of this process", f"{submit.cpu_seconds * 1000:.0f} ms", "", None)
    _line("  slowest statement (the completion check)", f"{submit.slowest * 1000:.0f} ms", "", None)
    median = sorted(again)[len(again) // 2]
    _line(
        "five revisions submitted again, median",
        f"{median:.0f} ms",
        f"<= {LAST_REVIEW_TARGET_MS:g} ms",
        median <= LAST_REVIEW_TARGET_MS,
    )
    _line("SQL statements", f"{submit.statements}", "", None)

    aggregate, message = _run(app, lambda: jobs.aggregate_when_ready(challenge_id))
    with app.app_context():
        status, results = db.session.execute(
            db.text(
                "SELECT status, (SELECT count(*) FROM entry_results WHERE challenge_id = :c) "
                "FROM challenges WHERE id = :c"
            ),
            {"c": challenge_id},
        ).one()
    print(
        f"\naggregation job: {pairs:,} reviews of {entries:,} entries ({message}; challenge {status}, "
        f"{results:,} results written)"
    )
    _line(
        "wall, with its writes",
        f"{aggregate.seconds:.2f} s",
        f"<= {AGGREGATE_TARGET_SECONDS:g} s",
        aggregate.seconds <= AGGREGATE_TARGET_SECONDS,
    )
    _line("  CPU of this process", f"{aggregate.cpu_seconds:.2f} s", "", None)
    _line("  slowest statement", f"{aggregate.slowest:.2f} s", "", None)
    _line("SQL statements", f"{aggregate.statements:,}", "", None)
    _line("peak RSS growth", f"{aggregate.rss_growth_mib:.0f} MiB", "", None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
