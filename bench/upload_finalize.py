"""Benchmark: uploads never hold a web worker. Against a real stack (gunicorn with the committed
gunicorn.conf.py, moto's S3 server over HTTP, PostgreSQL, Redis, one RQ worker), files are uploaded
through the API as a script would, by presigned POST and by multipart, and this reports the finalize
request's latency (target 200 ms whatever the size) and the web tier's CPU seconds per GiB uploaded
(target under 0.05 s/GiB), read from /proc for gunicorn's master and workers.

Run from the project root: ``.venv/bin/python -m bench.upload_finalize [--size-mib 1 1024]``. It
prints its figures beside their targets and exits 0 whether they are met or not; it exits 1 only
when it could not measure (a service did not start, an upload was refused or recorded wrong).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import requests

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
GIB = 1024 * MIB
FINALIZE_TARGET_MS = 200.0
CPU_TARGET_S_PER_GIB = 0.05
# The app sends files above STORAGE_MULTIPART_THRESHOLD_MB in parts; its smallest allowed value is 5,
# so the multipart server below uses 5 MiB parts above 5 MiB, and a smaller size is sent as 6 MiB.
MULTIPART_THRESHOLD_MIB = 5
SMALLEST_MULTIPART_MIB = 6
VERIFY_TIMEOUT_SECONDS = 1800
TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to; not a missed target."""


# --- data, written and sent without ever being whole in memory --------------------------------------


def write_file(path: Path, size: int) -> str:
    """A PDF-looking file of ``size`` bytes, written 1 MiB at a time; returns its SHA-256."""
    digest = hashlib.sha256()
    block = hashlib.shake_256(b"podium-bench").digest(MIB)
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    with path.open("wb") as out:
        written = 0
        while written < size:
            chunk = block[: min(MIB, size - written)]
            if written == 0:
                chunk = head + chunk[len(head) :]
            if written + len(chunk) == size and len(chunk) >= len(tail):
                chunk = chunk[: -len(tail)] + tail
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


class Slice:
    """``length`` bytes of an open file from ``offset``, as a body requests streams with a length."""

    def __init__(self, file: BinaryIO, offset: int, length: int):
        self._file, self._offset, self._left = file, offset, length
        self.len = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        self._file.seek(self._offset)
        data = self._file.read(size)
        self._offset += len(data)
        self._left -= len(data)
        return data

    def __iter__(self):
        while chunk := self.read(MIB):
            yield chunk


class FormBody:
    """A multipart/form-data body of the presigned fields, then the file, read as it is sent."""

    def __init__(self, fields: dict[str, str], file: BinaryIO, size: int, filename: str):
        self.boundary = uuid.uuid4().hex
        lines = []
        for name, value in fields.items():
            lines.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            )
        lines.append(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        )
        self._parts: list[bytes | Slice] = [
            "".join(lines).encode(),
            Slice(file, 0, size),
            f"\r\n--{self.boundary}--\r\n".encode(),
        ]
        self.len = sum(len(part) if isinstance(part, bytes) else part.len for part in self._parts)
        self._index = 0
        self._pending = b""

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def read(self, size: int = -1) -> bytes:
        size = MIB if size is None or size < 0 else size
        while not self._pending and self._index < len(self._parts):
            part = self._parts[self._index]
            if isinstance(part, bytes):
                self._pending, self._index = part, self._index + 1
            else:
                self._pending = part.read(size)
                if not self._pending:
                    self._index += 1
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def __iter__(self):
        while chunk := self.read(MIB):
            yield chunk


# --- the web tier's CPU, from /proc --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def cpu_seconds(master: int) -> float:
    """User + system CPU of gunicorn's master and its workers (those alive now), in seconds."""
    total = 0
    for pid in [master, *_children(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


# --- the stack ------------------------------------------------------------------------------------------


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


def _set_up(env: dict[str, str], people: int, max_bytes: int):
    """Migrate, then make a funded open challenge and one contributor (with an API token) per upload."""
    os.environ.update(env)
    import flask_migrate

    from app.accounts import services as accounts
    from app.accounts import tokens
    from app.challenges import services as challenges
    from app.core.access import Role
    from app.core.timeutil import utcnow
    from app.factory import create_app
    from app.ledger import services as ledger
    from tests.challenges.support import terms_at

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        from app.storage import get_storage

        get_storage().ensure_ready()
        accounts.create_organization("Host", ["host.example"], is_host=True)
        org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
        admin = accounts.register_user("root@host.example", "Root", "bench-password-1", roles=(Role.ADMIN,))
        sponsor = accounts.register_user(
            "sam@acme.example", "Sam", "bench-password-1", roles=(Role.SPONSOR,), email_verified=True
        )
        ledger.record_deposit(org.id, "EUR", 5_000_000, "WIRE-BENCH", actor=admin)
        secrets = []
        for index in range(people):
            person = accounts.register_user(
                f"c{index}@outside.example", f"Contributor {index}", "bench-password-1", email_verified=True
            )
            secrets.append(tokens.issue_token(person, "bench", scope="read_write").secret)
        now = utcnow()
        terms = terms_at(
            now,
            opens_at=now,
            closes_at=now + timedelta(days=7),
            judging_due_at=now + timedelta(days=14),
            max_file_bytes=max_bytes,
            allowed_types=("application/pdf",),
            submissions_per_contributor=1,
        )
        challenge = challenges.create_challenge(sponsor, terms, now=now)
        challenges.fund_challenge(challenge.id, sponsor, now=now)
        challenges.open_now(challenge.id, sponsor, now=now)
        return app, challenge.id, secrets


def _verified(app, upload_id: int) -> tuple[str, str | None, int | None]:
    """The upload's status, read from the database (not over HTTP: polls would cost web CPU)."""
    from app.extensions import db
    from app.submissions.models import SubmissionVersion, Upload

    with app.app_context():
        upload = db.session.get(Upload, upload_id)
        if upload is None:
            raise BenchError(f"upload {upload_id} vanished")
        if upload.status != "finalized":
            return upload.status, upload.rejection_reason, None
        from sqlalchemy import select

        version = db.session.scalar(
            select(SubmissionVersion).where(SubmissionVersion.submission_id == upload.submission_id)
        )
        return upload.status, version.sha256 if version else None, version.size_bytes if version else None


@dataclass
class Result:
    method: str
    size: int
    finalize_ms: float
    web_cpu_s: float
    send_s: float
    verify_s: float
    store_head_ms: float
    window_s: float  # how long the CPU was counted: start of the upload to finalize's answer
    idle_cpu_per_s: float = 0.0  # what this server burns doing nothing, per second

    @property
    def net_cpu_s(self) -> float:
        """The CPU the upload caused: what was counted, less what the idle server burns meanwhile."""
        return max(0.0, self.web_cpu_s - self.idle_cpu_per_s * self.window_s)

    @property
    def cpu_per_gib(self) -> float:
        return self.net_cpu_s / (self.size / GIB)


def _upload(
    app, base: str, master: int, secret: str, challenge_id: int, path: Path, sha256: str, method: str
) -> Result:
    size = path.stat().st_size
    headers = {"Authorization": f"Bearer {secret}"}
    session = requests.Session()
    cpu_before = cpu_seconds(master)
    began = time.perf_counter()
    started = session.post(
        f"{base}/api/v1/uploads",
        json={"challenge_id": challenge_id, "filename": path.name, "size": size, "title": "Bench"},
        headers=headers,
        timeout=60,
    )
    if started.status_code != 201:
        raise BenchError(f"start refused: {started.status_code} {started.text[:300]}")
    ticket = started.json()
    if ticket["method"] != method:
        raise BenchError(f"the server chose {ticket['method']} for {size} bytes, not {method}")
    with path.open("rb") as file:
        if method == "post":
            body = FormBody(ticket["fields"], file, size, path.name)
            sent = requests.post(
                ticket["url"], data=body, headers={"Content-Type": body.content_type}, timeout=3600
            )
            if sent.status_code >= 300:
                raise BenchError(f"storage refused the form: {sent.status_code} {sent.text[:300]}")
        else:
            parts = []
            for index, url in enumerate(ticket["part_urls"]):
                offset = index * ticket["part_size"]
                piece = Slice(file, offset, min(ticket["part_size"], size - offset))
                put = requests.put(url, data=piece, timeout=3600)
                if put.status_code != 200:
                    raise BenchError(f"storage refused part {index + 1}: {put.status_code} {put.text[:300]}")
                parts.append({"part_number": index + 1, "etag": put.headers["ETag"]})
            joined = session.post(
                f"{base}/api/v1/uploads/{ticket['upload_id']}/complete",
                json={"parts": parts},
                headers=headers,
                timeout=600,
            )
            if joined.status_code != 200:
                raise BenchError(f"complete refused: {joined.status_code} {joined.text[:300]}")
    send_s = time.perf_counter() - began
    # moto works out a form-uploaded object's ETag (an MD5 of every byte) on the first HEAD, where S3
    # does it as the bytes arrive; one HEAD first, timed apart, keeps that out of finalize's figure.
    store_head_ms = _first_head_ms(ticket) if method == "post" else 0.0
    asked = time.perf_counter()
    finalized = session.post(
        f"{base}/api/v1/uploads/{ticket['upload_id']}/finalize", headers=headers, timeout=3600
    )
    finalize_ms = (time.perf_counter() - asked) * 1000
    cpu_after = cpu_seconds(master)
    window_s = time.perf_counter() - began
    if finalized.status_code != 202:
        raise BenchError(f"finalize answered {finalized.status_code}: {finalized.text[:300]}")
    deadline = time.monotonic() + VERIFY_TIMEOUT_SECONDS
    while True:
        status, found, found_size = _verified(app, ticket["upload_id"])
        if status == "finalized":
            break
        if status != "verifying":
            raise BenchError(f"the upload ended {status}: {found}")
        if time.monotonic() > deadline:
            raise BenchError("the verification did not end in time")
        time.sleep(0.2)
    verify_s = time.perf_counter() - asked
    if (found, found_size) != (sha256, size):
        raise BenchError(f"recorded {found} / {found_size} bytes, expected {sha256} / {size}")
    return Result(
        method, size, finalize_ms, cpu_after - cpu_before, send_s, verify_s, store_head_ms, window_s
    )


IDLE_SECONDS = 20


def idle_cpu_per_second(masters: list[int]) -> list[float]:
    """CPU seconds per second each idle server burns (gunicorn's heartbeats and timers)."""
    before = [cpu_seconds(master) for master in masters]
    time.sleep(IDLE_SECONDS)
    return [(cpu_seconds(master) - was) / IDLE_SECONDS for master, was in zip(masters, before, strict=True)]


def _first_head_ms(ticket: dict) -> float:
    """Time one HEAD of the uploaded object straight to the store (boto3 from this process)."""
    import boto3

    endpoint, bucket = os.environ["S3_ENDPOINT_URL"], os.environ["S3_BUCKET"]
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    began = time.perf_counter()
    client.head_object(Bucket=bucket, Key=ticket["fields"]["key"])
    return (time.perf_counter() - began) * 1000


def _start_web(
    name: str, env: dict[str, str], work: Path, extra: dict[str, str]
) -> tuple[subprocess.Popen, str]:
    from tests import services as test_services

    port = test_services.free_port()
    venv = Path(sys.executable).parent
    log = (work / f"{name}.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, reading the committed gunicorn.conf.py
        [str(venv / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            **extra,
            "BIND": f"127.0.0.1:{port}",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for_http(base + "/", process)
    return process, base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, nargs="+", default=[1, 1024], help="sizes to upload (MiB)")
    parser.add_argument("--web-workers", type=int, default=1, help="gunicorn workers per server")
    parser.add_argument("--tmp-dir", default=None, help="where the files and moto's objects are kept")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests import services as test_services

    sizes = sorted(set(args.size_mib))
    work = Path(tempfile.mkdtemp(prefix="podium-finalize-", dir=args.tmp_dir))
    database = test_services.DEFAULT_DATABASE_URL.rsplit("/", 1)[0] + f"/podium_bench_{os.getpid()}"
    test_services.ensure_database(database)
    processes: list[subprocess.Popen] = []
    try:
        moto, endpoint = test_services.start_moto_server(work)
        processes.append(moto)
        env = {
            "PODIUM_ENV": "testing",
            "PODIUM_INSTANCE_PATH": str(work / "instance"),
            "TMPDIR": str(work),
            "DATABASE_URL": database,
            "REDIS_URL": test_services.redis_url(),
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": endpoint,
            "S3_BUCKET": "podium-finalize",
            "S3_CREATE_BUCKET": "1",
            "S3_ADDRESSING_STYLE": "path",
            "S3_READ_TIMEOUT": "600",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "MAIL_BACKEND": "log",
            "SECRET_KEY": "bench-secret",
            "INTERNAL_EMAIL_DOMAINS": "",
            "WEB_CONCURRENCY": str(args.web_workers),
            "WEB_TIMEOUT": "600",
            "JOB_TIMEOUT_SECONDS": "3600",
        }
        largest = max(max(sizes), SMALLEST_MULTIPART_MIB) * MIB
        cases = [("post", size) for size in sizes] + [
            ("multipart", max(size, SMALLEST_MULTIPART_MIB)) for size in sizes
        ]
        print(f"setting up (files in {work})...", flush=True)
        app, challenge_id, secrets = _set_up(env, len(cases) + 2, largest + MIB)
        from redis import Redis

        Redis.from_url(env["REDIS_URL"]).flushdb()
        # One server offers presigned POST for every size here, the other sends anything over 5 MiB in parts.
        post_server, post_base = _start_web(
            "web-post", env, work, {"STORAGE_MULTIPART_THRESHOLD_MB": str(max(sizes) + 1)}
        )
        processes.append(post_server)
        parts_server, parts_base = _start_web(
            "web-multipart",
            env,
            work,
            {
                "STORAGE_MULTIPART_THRESHOLD_MB": str(MULTIPART_THRESHOLD_MIB),
                "STORAGE_MULTIPART_PART_MB": "64",
            },
        )
        processes.append(parts_server)
        log = (work / "worker.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "worker"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        files: dict[int, tuple[Path, str]] = {}
        for _method, size_mib in cases:
            if size_mib not in files:
                path = work / f"entry-{size_mib}-mib.pdf"
                files[size_mib] = (path, write_file(path, size_mib * MIB))
        people = iter(secrets)
        # Warm-up (not reported): one upload through each server, so imports and clients are made.
        for method, server, base in (
            ("post", post_server, post_base),
            ("multipart", parts_server, parts_base),
        ):
            size_mib = min(size for kind, size in cases if kind == method)
            path, sha256 = files[size_mib]
            _upload(app, base, server.pid, next(people), challenge_id, path, sha256, method)
        print(f"measuring the idle servers for {IDLE_SECONDS} s...", flush=True)
        idle = dict(
            zip(("post", "multipart"), idle_cpu_per_second([post_server.pid, parts_server.pid]), strict=True)
        )
        results = []
        for method, size_mib in cases:
            path, sha256 = files[size_mib]
            server, base = (post_server, post_base) if method == "post" else (parts_server, parts_base)
            print(f"{method} {size_mib} MiB...", flush=True)
            result = _upload(app, base, server.pid, next(people), challenge_id, path, sha256, method)
            result.idle_cpu_per_s = idle[method]
            results.append(result)

        def verdict(ok: bool) -> str:
            return "PASS" if ok else "MISS"

        print()
        print(
            f"web tier: gunicorn -c gunicorn.conf.py, {args.web_workers} worker(s) per server; one RQ worker"
        )
        print(
            f"idle web CPU: {idle['post'] * 1000:.2f} ms/s (POST server), {idle['multipart'] * 1000:.2f} ms/s "
            "(multipart server), subtracted over each upload's window below; /proc counts in "
            f"{1000 / TICKS:.0f} ms ticks"
        )
        for result in results:
            mib = result.size / MIB
            # Per GiB only means something for a big file: a small one's figure is the fixed cost of
            # its requests (start, complete, finalize) spread over a sliver of a GiB.
            per_gib = (
                f"{verdict(result.cpu_per_gib < CPU_TARGET_S_PER_GIB)}"
                if result.size >= GIB
                else "(fixed cost of the requests; the target is judged at 1 GiB and above)"
            )
            print(
                f"{result.method:>9} {mib:>6.0f} MiB  finalize {result.finalize_ms:6.1f} ms  target < "
                f"{FINALIZE_TARGET_MS:.0f} ms  {verdict(result.finalize_ms < FINALIZE_TARGET_MS)}"
            )
            print(
                f"{'':>20}web CPU {result.web_cpu_s:.3f} s in {result.window_s:.1f} s, {result.net_cpu_s:.3f} s "
                f"net of idle = {result.cpu_per_gib:.4f} s/GiB  target < {CPU_TARGET_S_PER_GIB} s/GiB  {per_gib}"
            )
            print(
                f"{'':>20}sent in {result.send_s:.1f} s; verified by the worker {result.verify_s:.1f} s "
                "after finalize was asked for"
                + (f"; moto's first HEAD {result.store_head_ms:.0f} ms" if result.method == "post" else "")
            )
        for method in ("post", "multipart"):
            mine = sorted((r for r in results if r.method == method), key=lambda r: r.size)
            if len(mine) >= 2 and mine[-1].size > mine[0].size:
                small, big = mine[0], mine[-1]
                marginal = (big.net_cpu_s - small.net_cpu_s) / ((big.size - small.size) / GIB)
                print(
                    f"{method:>9} web CPU per extra GiB ({small.size // MIB} → {big.size // MIB} MiB): "
                    f"{marginal:.4f} s/GiB  target < {CPU_TARGET_S_PER_GIB} s/GiB  "
                    f"{verdict(marginal < CPU_TARGET_S_PER_GIB)}"
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
