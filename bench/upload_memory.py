"""Benchmark: memory and speed of the no-JavaScript upload form (stream to storage, then finalize).

Run from the project root: ``.venv/bin/python -m bench.upload_memory [--size-mib N]``. It prints its
figures beside two targets and exits 0 whether they are met or not; it exits 1 only when it could not
measure (for example the upload was refused). Everything lives in one temporary folder, removed at
the end. See bench/README.md for what the targets mean.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import itertools
import multiprocessing
import os
import platform
import random
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
CHUNK = MIB
DEFAULT_SIZE_MIB = 1024
MAX_SIZE_MIB = 5 * 1024 - 1  # challenges take files up to 5 GiB, and this one allows size + 1 MiB
# Above Werkzeug's 500 KB in-memory limit, so the warm-up request spools its file to disk too.
WARMUP_BYTES = 2 * MIB
MEMORY_TARGET_MIB = 64
SPEED_TARGET = 0.50
SHARED_REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "bench-only-password"  # noqa: S105 - a throwaway account in a throwaway database
CONTRIBUTOR = "casey@outside.example"
PDF_HEAD = b"%PDF-1.7\n"
PDF_TAIL = b"\n%%EOF\n"

PARSE = "  of which reading and parsing the form body (C parser)"
STORE = "storage.put_stream: parse the body as it reads, SHA-256, write, fsync"
FSYNC = "  of which fsync of the stored object"
MEASURE = "finalize: re-read the object, SHA-256, keep the first 8 KiB"
OTHER = "everything else (CSRF, session, database, redirect)"


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to; not a missed target."""


@dataclass(frozen=True)
class Plan:
    """What the child web process needs: where everything lives and what the file must hash to."""

    work: str
    redis_url: str
    size: int
    sha256: str


@dataclass(frozen=True)
class UploadFigures:
    """What the child web process measured for the big request."""

    seconds: float
    traced_seconds: float
    maxrss_before_kib: int
    rss_before_kib: int
    maxrss_after_kib: int
    traced_peak_bytes: int
    user_seconds: float
    system_seconds: float
    phases: dict[str, float] = field(default_factory=dict)


# --- files -----------------------------------------------------------------------------------------


def write_pdf(path: Path, size: int, *, seed: int) -> str:
    """A PDF-looking file of exactly ``size`` bytes, written 1 MiB at a time; returns its SHA-256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with path.open("wb") as out:
        left = size - len(PDF_HEAD) - len(PDF_TAIL)
        for chunk in itertools.chain((PDF_HEAD,), _random_chunks(rng, left), (PDF_TAIL,)):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _random_chunks(rng: random.Random, size: int):
    while size > 0:
        chunk = rng.randbytes(min(CHUNK, size))
        size -= len(chunk)
        yield chunk


def write_body(path: Path, boundary: str, fields: dict[str, str], source: Path, filename: str) -> int:
    """The multipart/form-data body a browser sends for the form: the text fields, then the file,
    copied in 1 MiB chunks. Returns the body's length."""
    with path.open("wb") as out:
        for name, value in fields.items():
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
        )
        with source.open("rb") as stream:
            shutil.copyfileobj(stream, out, CHUNK)
        out.write(f"\r\n--{boundary}--\r\n".encode())
        return out.tell()


def settle(path: Path) -> None:
    """Start every timed run from the same state: its input in the page cache (read once through one
    reused buffer) and no dirty pages from earlier steps left to be written back during the run."""
    buffer = bytearray(CHUNK)
    with path.open("rb", buffering=0) as stream:
        while stream.readinto(buffer):
            pass
    os.sync()


def time_copy(source: Path, target: Path, *, fsync: bool = False) -> float:
    """Seconds for ``shutil.copyfile`` (plus an fsync of the copy when asked); the copy is removed."""
    settle(source)
    start = time.perf_counter()
    shutil.copyfile(source, target)
    if fsync:
        with target.open("rb") as handle:
            os.fsync(handle.fileno())
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def sha256_speed() -> float:
    """MiB/s of SHA-256 over 64 MiB already in memory: the CPU cost the upload pays once per byte."""
    block = bytes(range(256)) * (CHUNK // 256)
    digest = hashlib.sha256()
    start = time.perf_counter()
    for _ in range(64):
        digest.update(block)
    return 64 / (time.perf_counter() - start)


# --- Redis -----------------------------------------------------------------------------------------


def find_redis(work: Path) -> tuple[str, subprocess.Popen[bytes] | None]:
    """Services enqueue jobs after commit, so a Redis must answer: the local one if it does (on its
    database 13), else a throwaway redis-server on a unix socket in ``work``, returned to be stopped."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        if Redis.from_url(SHARED_REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping():
            return SHARED_REDIS_URL, None
    except (RedisError, OSError):
        pass
    from app.devserver import start_redis

    process, url = start_redis(work)
    return url, process


# --- the child web process -------------------------------------------------------------------------


class Phases:
    """Wall time spent inside a few functions of the request, by wrapping them in this process only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise BenchError("no CSRF token on the page")
    return match.group(1)


def _seed_open_challenge(size: int) -> str:
    """A host, a funded sponsor, a contributor and an open challenge taking PDFs up to size + 1 MiB,
    all made through the real services. Returns the challenge's slug."""
    from app.accounts import services as accounts
    from app.challenges import services as challenges
    from app.core.access import Role
    from app.core.timeutil import utcnow
    from app.ledger import services as ledger
    from tests.challenges.support import terms_at

    now = utcnow()
    accounts.create_organization("Bench Host", ["host.example"], is_host=True)
    sponsor_org = accounts.create_organization("Bench Sponsor", ["sponsor.example"], is_sponsor=True)
    sponsor = accounts.register_user(
        "sam@sponsor.example", "Sam Sponsor", PASSWORD, roles=(Role.SPONSOR,), email_verified=True
    )
    admin = accounts.register_user(
        "root@host.example", "Root Admin", PASSWORD, roles=(Role.ADMIN,), email_verified=True
    )
    accounts.register_user(
        CONTRIBUTOR, "Casey Contributor", PASSWORD, roles=(Role.CONTRIBUTOR,), email_verified=True
    )
    ledger.record_deposit(sponsor_org.id, "EUR", 5_000_000, "WIRE-BENCH", actor=admin)
    terms = terms_at(now, opens_at=now, max_file_bytes=size + MIB, allowed_types=("application/pdf",))
    challenge = challenges.create_challenge(sponsor, terms, now=now)
    challenges.fund_challenge(challenge.id, sponsor, now=now)
    challenges.open_now(challenge.id, sponsor, now=now)
    return challenge.slug


def _post_form(browser: Any, slug: str, body: Path, boundary: str) -> Any:
    with body.open("rb") as stream:
        return browser.post(
            f"/submissions/new/{slug}",
            input_stream=stream,
            content_type=f"multipart/form-data; boundary={boundary}",
            content_length=body.stat().st_size,
            headers={"Accept": "text/html"},
        )


def _check_version(app: Any, response: Any, number: int, size: int, sha256: str) -> int:
    """Verify the form redirected and version ``number`` holds exactly the file; the submission id."""
    from sqlalchemy import select

    from app.extensions import db
    from app.storage import get_storage
    from app.submissions.models import SubmissionVersion

    if response.status_code != 302:
        html = response.get_data(as_text=True)
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>\s*([^<]+?)\s*<', html)
        raise BenchError(f"the form answered {response.status_code}, not 302: {errors or html[:300]}")
    match = re.search(r"/submissions/(\d+)$", response.headers.get("Location", ""))
    if match is None:
        raise BenchError(f"unexpected redirect to {response.headers.get('Location')!r}")
    submission_id = int(match.group(1))
    with app.app_context():
        version = db.session.scalar(
            select(SubmissionVersion).where(
                SubmissionVersion.submission_id == submission_id, SubmissionVersion.number == number
            )
        )
        if version is None:
            raise BenchError(f"no version {number} of submission {submission_id} was recorded")
        if (version.size_bytes, version.sha256) != (size, sha256):
            raise BenchError(
                f"version {number} records {version.size_bytes} bytes, SHA-256 {version.sha256}; "
                f"the file has {size} bytes, SHA-256 {sha256}"
            )
        stored = get_storage().head(version.storage_key)
        if stored is None or stored.size != size:
            raise BenchError(f"the stored object of version {number} is missing or the wrong size")
    return submission_id


def _drop_queued_jobs(app: Any) -> None:
    """Remove from Redis the jobs this run's services enqueued (it may be a shared Redis)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from sqlalchemy import select

    from app.extensions import db
    from app.jobs import JobRecord, get_queue, redis_connection

    with app.app_context():
        connection = redis_connection()
        for rq_job_id in db.session.scalars(select(JobRecord.rq_job_id)):
            with contextlib.suppress(NoSuchJobError):
                Job.fetch(rq_job_id, connection=connection).delete()
        for name in app.config["RQ_QUEUES"]:
            queue = get_queue(name)
            if queue.is_empty():
                queue.delete(delete_jobs=False)  # only unlists it; RQ lists it again on its next job
        db.session.remove()
        db.engine.dispose()


def measure_upload(plan: Plan) -> UploadFigures:
    """In a fresh process, as the web process would: set the app up, warm it with a small upload, then
    send the big file through the form twice, first timed with RSS high-water marks around it, then
    again under tracemalloc (which slows allocation, so it is kept out of the timed run)."""
    work = Path(plan.work)
    tempfile.tempdir = str(work)  # Werkzeug spools file parts here: the same disk as the plain copy

    from flask_migrate import upgrade

    from app import create_app
    from app.storage import get_storage
    from app.storage.local import LocalStorage
    from app.submissions import services
    from app.submissions.streamed_form import StreamedForm
    from config import TestingConfig

    app = create_app(
        TestingConfig(
            {
                "PODIUM_INSTANCE_PATH": str(work / "instance"),
                "DATABASE_URL": f"sqlite:///{work}/bench.sqlite3",
                "REDIS_URL": plan.redis_url,
                "STORAGE_BACKEND": "local",
                "STORAGE_LOCAL_ROOT": str(work / "storage"),
                "SECRET_KEY": "bench",
                "MAIL_BACKEND": "log",
            }
        )
    )
    with app.app_context():
        upgrade()
        get_storage().ensure_ready()
        slug = _seed_open_challenge(plan.size)

    phases = Phases()
    phases.wrap(StreamedForm, "_feed", PARSE)
    phases.wrap(LocalStorage, "put_stream", STORE)
    phases.wrap(os, "fsync", FSYNC)
    phases.wrap(services, "_measure", MEASURE)
    try:
        browser = app.test_client()
        login_page = browser.get("/login").get_data(as_text=True)
        signed_in = browser.post(
            "/login", data={"email": CONTRIBUTOR, "password": PASSWORD, "csrf_token": _csrf_token(login_page)}
        )
        if signed_in.status_code != 302:
            raise BenchError(f"sign-in answered {signed_in.status_code}, not 302")
        form_page = browser.get(f"/submissions/new/{slug}")
        if form_page.status_code != 200:
            raise BenchError(f"the submission form answered {form_page.status_code}")
        token = _csrf_token(form_page.get_data(as_text=True))
        boundary = "----PodiumBench" + secrets.token_hex(16)

        warm_file = work / "warm.pdf"
        warm_sha256 = write_pdf(warm_file, WARMUP_BYTES, seed=2)
        warm_body = work / "warm.body"
        write_body(
            warm_body,
            boundary,
            {"csrf_token": token, "submission_id": "", "title": "Benchmark entry", "description_md": ""},
            warm_file,
            "warm.pdf",
        )
        submission_id = _check_version(
            app, _post_form(browser, slug, warm_body, boundary), 1, WARMUP_BYTES, warm_sha256
        )

        body = work / "upload.body"
        fields = {"csrf_token": token, "submission_id": str(submission_id)}
        write_body(body, boundary, fields, work / "entry.pdf", "entry.pdf")

        settle(body)
        phases.seconds.clear()
        maxrss_before, rss_before = _maxrss_kib(), _rss_kib()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        response = _post_form(browser, slug, body, boundary)
        seconds = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        maxrss_after = _maxrss_kib()
        timed_phases = dict(phases.seconds)
        _check_version(app, response, 2, plan.size, plan.sha256)

        settle(body)
        tracemalloc.start()
        start = time.perf_counter()
        response = _post_form(browser, slug, body, boundary)
        traced_seconds = time.perf_counter() - start
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        _check_version(app, response, 3, plan.size, plan.sha256)
    finally:
        _drop_queued_jobs(app)
    return UploadFigures(
        seconds=seconds,
        traced_seconds=traced_seconds,
        maxrss_before_kib=maxrss_before,
        rss_before_kib=rss_before,
        maxrss_after_kib=maxrss_after,
        traced_peak_bytes=traced_peak,
        user_seconds=cpu_after.ru_utime - cpu_before.ru_utime,
        system_seconds=cpu_after.ru_stime - cpu_before.ru_stime,
        phases=timed_phases,
    )


# --- the report ------------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def report(
    size: int, copies: list[float], copy_fsync: float, upload: UploadFigures, hash_speed: float
) -> None:
    mib = size / MIB
    copy = min(copies)
    ratio = copy / upload.seconds
    # ru_maxrss is a lifetime high-water mark, so its growth is a lower bound (a set-up step that
    # peaked higher hides the request's peak); the peak over the RSS just before the request is an
    # upper bound (that set-up peak counts against the request). The verdict takes the upper one.
    growth = (upload.maxrss_after_kib - upload.maxrss_before_kib) / 1024
    growth_from_rest = (upload.maxrss_after_kib - upload.rss_before_kib) / 1024
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print()
    print(f"Podium fallback upload benchmark, {stamp}")
    print(
        f"{mib:.0f} MiB PDF-looking file; local storage, SQLite, one temp folder on one disk; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs."
    )
    print("Every timed run starts with its input in the page cache and no dirty pages (os.sync()).")
    print()
    print(f"{'':44}{'seconds':>9}{'MiB/s':>10}")
    rows = [
        (f"plain copy, shutil.copyfile (best of {len(copies)})", copy),
        ("plain copy + fsync (durable)", copy_fsync),
        ("fallback upload + finalize (one request)", upload.seconds),
        ("  the same under tracemalloc (reference)", upload.traced_seconds),
    ]
    for label, seconds in rows:
        print(f"{label:44}{seconds:9.2f}{mib / seconds:10.1f}")
    print(f"  (the copies took {', '.join(f'{seconds:.2f}' for seconds in copies)} s)")
    print()
    print(f"{'Target':60}{'measured':>10}{'target':>10}  result")
    print(
        f"{'A  peak RSS growth of the request (MiB)':60}{growth_from_rest:10.1f}"
        f"{'< ' + str(MEMORY_TARGET_MIB):>10}  {_verdict(growth_from_rest < MEMORY_TARGET_MIB)}"
    )
    print("     (ru_maxrss after it - RSS just before it: an upper bound)")
    print(f"{'     ru_maxrss after - ru_maxrss before (a lower bound)':60}{growth:10.1f}")
    print(f"{'     tracemalloc peak of Python allocations (MiB)':60}{upload.traced_peak_bytes / MIB:10.1f}")
    print(
        f"{'B  streaming speed / plain copy speed':60}{ratio:10.2f}{'>= ' + format(SPEED_TARGET, '.2f'):>10}"
        f"  {_verdict(ratio >= SPEED_TARGET)}"
    )
    durable_ratio = copy_fsync / upload.seconds
    print(
        f"{'B2 the same against copy + fsync (durable, like the object)':60}{durable_ratio:10.2f}"
        f"{'>= ' + format(SPEED_TARGET, '.2f'):>10}  {_verdict(durable_ratio >= SPEED_TARGET)}"
    )
    hash_floor = mib / hash_speed
    print(
        f"     SHA-256 of the file alone takes {hash_floor:.2f} s on this CPU; B needs the whole request "
        f"within {2 * copy:.2f} s"
    )
    print()
    print("Where the timed request spent its time:")
    accounted = sum(seconds for label, seconds in upload.phases.items() if label not in (FSYNC, PARSE))
    breakdown = [(label, upload.phases.get(label, 0.0)) for label in (STORE, PARSE, FSYNC, MEASURE)]
    breakdown.append((OTHER, upload.seconds - accounted))
    for label, seconds in breakdown:
        print(f"  {label:62}{seconds:7.2f} s {100 * seconds / upload.seconds:5.1f}%")
    waiting = upload.seconds - upload.user_seconds - upload.system_seconds
    print(
        f"  CPU: {upload.user_seconds:.2f} s in Python and C code, {upload.system_seconds:.2f} s in the kernel "
        f"(page cache); {max(waiting, 0.0):.2f} s waiting (mostly fsync)"
    )
    print(
        f"  SHA-256 on this CPU: {hash_speed:.0f} MiB/s in memory; the request hashes the file once, while storing it"
    )
    print()


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=DEFAULT_SIZE_MIB, help="file size in MiB (1024)")
    parser.add_argument("--tmp-dir", help="where to make the temp folder (default: the system's)")
    args = parser.parse_args(argv)
    if not 1 <= args.size_mib <= MAX_SIZE_MIB:
        parser.error(f"--size-mib must be between 1 and {MAX_SIZE_MIB}")
    size = args.size_mib * MIB

    work = Path(tempfile.mkdtemp(prefix="podium-bench-", dir=args.tmp_dir))
    redis_process = None
    try:
        redis_url, redis_process = find_redis(work)
        print(f"Working in {work}; Redis at {redis_url}", flush=True)
        print(f"Writing a {args.size_mib} MiB PDF-looking file…", flush=True)
        source = work / "entry.pdf"
        sha256 = write_pdf(source, size, seed=1)
        print("Timing the plain copy…", flush=True)
        copies = [time_copy(source, work / "copy.pdf")]
        print("Timing the upload in a fresh web process…", flush=True)
        # The child inherits this process's ru_maxrss through fork and exec, so nothing here may hold
        # the file in memory, or the child's figures would start above its real size.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            upload = pool.submit(measure_upload, Plan(str(work), redis_url, size, sha256)).result()
        print("Timing the plain copy again…", flush=True)
        copies.append(time_copy(source, work / "copy.pdf"))
        copy_fsync = time_copy(source, work / "copy.pdf", fsync=True)
        report(size, copies, copy_fsync, upload, sha256_speed())
    except BenchError as error:
        print(f"The benchmark could not measure: {error}", file=sys.stderr)
        return 1
    finally:
        if redis_process is not None:
            from app.devserver import stop

            stop([redis_process])
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    # Run through the importable module, not as __main__, so the child process started with
    # "spawn" can unpickle what it returns (Plan, UploadFigures, BenchError) under the same name.
    from bench.upload_memory import main as run

    sys.exit(run())
