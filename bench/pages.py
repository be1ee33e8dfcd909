"""Benchmark: Podium's busiest pages under gunicorn, beside what bare Flask does on the same server.

Run from the project root: ``.venv/bin/python -m bench.pages [--scale 0.1] [--seconds 10]``.

It seeds a throwaway PostgreSQL database (``bench.seed``: at scale 1, 1,000 challenges, 50,000 entries,
500 judges), then serves, one after the other and each alone, with the committed ``gunicorn.conf.py``
and the same production settings: a bare Flask app (``bench.bare_flask``), a bare Flask app running
one indexed query into a tiny template (``bench.one_query_flask``, the ceiling), and Podium. Against
each it holds a fixed number of keep-alive connections busy for a while and counts requests per second,
with the median and 99th-percentile latency. Each Podium figure is printed beside its target, a share
of the one-query ceiling measured in the same run, with PASS or MISS. It exits 0 either way, and 1 only
when it could not measure (a server did not start, a page did not answer 200). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to; not a missed target."""


@dataclass(frozen=True)
class Target:
    name: str
    who: str | None  # None: nobody signed in; "judge"/"sponsor": their session; "api": the sponsor's token
    path: str
    share: float  # of the one-query ceiling's requests per second
    p99_ms: float | None = None


@dataclass(frozen=True)
class Figure:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


TARGETS = [
    Target("public list", None, "/challenges/", 0.35),
    Target("challenge page", None, "/challenges/bench-open", 0.35),
    Target("judge's queue (500 assignments)", "judge", "/judge", 0.35),
    Target("API challenge list (token)", "api", "/api/v1/challenges", 0.35),
    Target(
        "management page (500 entries, awarded)", "sponsor", "/challenges/bench-awarded-500/manage", 0.10, 250
    ),
    Target("results page (500 entries, awarded)", "sponsor", "/judging/results/bench-awarded-500", 0.10, 250),
]


# --- the load ---------------------------------------------------------------------------------------


async def _one_connection(
    port: int, request: bytes, until: float, latencies: list[float], failures: list[str]
):
    """Send ``request`` again and again on one keep-alive connection until ``until``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                raise BenchError(f"the server closed the connection mid-answer ({error})") from error
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures.append(str(status))
                return
    finally:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def measure(
    port: int, path: str, headers: dict[str, str], seconds: float, connections: int, warm_up: float = 2.0
) -> Figure:
    """Keep ``connections`` connections busy on ``path`` for ``seconds`` (after ``warm_up``)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def run(duration: float) -> tuple[list[float], list[str], float]:
        latencies: list[float] = []
        failures: list[str] = []
        started = time.perf_counter()
        until = started + duration
        await asyncio.gather(
            *(_one_connection(port, request, until, latencies, failures) for _ in range(connections))
        )
        return latencies, failures, time.perf_counter() - started

    asyncio.run(run(warm_up))
    latencies, failures, elapsed = asyncio.run(run(seconds))
    if failures:
        raise BenchError(f"GET {path} answered {', '.join(sorted(set(failures)))}, not 200")
    latencies.sort()
    return Figure(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=1000 * latencies[len(latencies) // 2],
        p99_ms=1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    )


# --- the servers ------------------------------------------------------------------------------------


@contextmanager
def gunicorn(app: str, env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    """gunicorn with the committed gunicorn.conf.py (run from the project root) serving ``app``."""
    venv = Path(sys.executable).parent
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, with arguments we build
            # gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), shared
            # with every other gunicorn on the machine; this one gets its own.
            [str(venv / "gunicorn"), "--control-socket", str(log.parent / "gunicorn.ctl"), app],
            cwd=ROOT,
            env={**os.environ, **env, "BIND": f"127.0.0.1:{port}"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with status {process.returncode}; see its log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer on port {port} within {seconds:.0f} s")


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Sign in through the login form; the Cookie header that carries the session."""
    jar: dict[str, str] = {}

    def send(method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                jar[name] = rest.split(";", 1)[0]
        text = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, text

    _, form = send("GET", "/login")
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form)
    if found is None:
        raise BenchError("no CSRF token on the login page")
    status, _ = send(
        "POST", "/login", urlencode({"email": email, "password": password, "csrf_token": found[1]})
    )
    if status != 302:
        raise BenchError(f"signing in as {email} answered {status}, not 302")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


# --- the run ----------------------------------------------------------------------------------------


def _seed(env: dict[str, str], scale: float):
    """Migrate and seed the database in ``env`` through the app's own settings; VACUUM ANALYZE it."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.passwords import hash_password
    from app.extensions import db
    from bench.seed import PASSWORD, analyse, seed

    app = create_app()  # production settings, as gunicorn's workers build them
    with app.app_context():
        upgrade()
        started = time.monotonic()
        seeded = seed(
            db.session.connection(), scale=scale, password_hash=hash_password(PASSWORD), now=datetime.now(UTC)
        )
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            analyse(connection)
        seconds = time.monotonic() - started
        db.engine.dispose()
    return seeded, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="data size; 1 = 1,000 challenges, 50,000 entries"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per page")
    parser.add_argument(
        "--connections", type=int, help="concurrent connections (default: the server's threads)"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from config.server import server_settings
    from tests import services as test_services

    work = Path(tempfile.mkdtemp(prefix="podium-pages-"))
    database = test_services.DEFAULT_DATABASE_URL.rsplit("/", 1)[0] + f"/podium_bench_pages_{os.getpid()}"
    test_services.ensure_database(database)
    port = test_services.free_port()
    env = {  # what a single-machine deployment sets (README, "Settings")
        "PODIUM_ENV": "production",
        "SECRET_KEY": "bench-pages-secret-key-" + "x" * 20,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database,
        "REDIS_URL": test_services.redis_url(),
        "STORAGE_BACKEND": "local",
        "ALLOW_LOCAL_STORAGE": "true",
        "STORAGE_LOCAL_ROOT": str(work / "storage"),
        "PODIUM_INSTANCE_PATH": str(work / "instance"),
        "MAIL_BACKEND": "log",
    }
    log = work / "gunicorn.log"
    try:
        print(f"seeding at scale {args.scale:g}...", flush=True)
        seeded, seed_seconds = _seed(env, args.scale)
        counts = ", ".join(f"{count:,} {table}" for table, count in seeded.counts.items())
        print(f"seeded in {seed_seconds:.1f} s: {counts}", flush=True)
        results: list[tuple[str, Figure]] = []
        server = server_settings()  # WEB_CONCURRENCY and WEB_THREADS, as gunicorn.conf.py reads them
        connections = args.connections or server.workers * server.threads  # one per server thread

        with gunicorn("bench.bare_flask:app", env, port, log):
            bare = measure(port, "/", {}, args.seconds, connections)
        with gunicorn("bench.one_query_flask:app", env, port, log):
            ceiling = measure(port, "/", {}, args.seconds, connections)
        with gunicorn("app.wsgi:app", env, port, log):
            sessions = {
                "judge": sign_in(port, seeded.judge_email, seeded.password),
                "sponsor": sign_in(port, seeded.sponsor_email, seeded.password),
                "api": {"Authorization": f"Bearer {seeded.tokens['sponsor']}"},
            }
            for target in TARGETS:
                headers = sessions[target.who] if target.who else {}
                print(f"  {target.name}...", flush=True)
                results.append((target.name, measure(port, target.path, headers, args.seconds, connections)))

        report(args, server, connections, seeded.counts, bare, ceiling, results)
        shutil.rmtree(work, ignore_errors=True)
        return 0
    except BenchError as error:
        print(f"could not measure: {error} (gunicorn's log, kept: {log})", file=sys.stderr)
        return 1
    finally:
        test_services.drop_database(database)


def report(
    args,
    server,
    connections: int,
    counts: dict[str, int],
    bare: Figure,
    ceiling: Figure,
    results: list[tuple[str, Figure]],
) -> None:
    print()
    print(
        f"{counts['challenges']:,} challenges, {counts['submissions']:,} entries, {counts['reviews']:,} reviews; "
        f"gunicorn.conf.py with {server.workers} workers x {server.threads} threads; "
        f"{connections} keep-alive connections, {args.seconds:g} s per line"
    )
    print(f"{'':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   target")
    for name, figure in (("bare Flask", bare), ("bare Flask + one indexed query (ceiling)", ceiling)):
        print(f"{name:44} {figure.per_second:8.1f} {figure.p50_ms:8.1f} {figure.p99_ms:8.1f}   (reference)")
    by_name = {target.name: target for target in TARGETS}
    for name, figure in results:
        target = by_name[name]
        share = figure.per_second / ceiling.per_second
        verdicts = [
            f"{share:6.1%} of ceiling, target >= {target.share:.0%}: {'PASS' if share >= target.share else 'MISS'}"
        ]
        if target.p99_ms is not None:
            ok = figure.p99_ms < target.p99_ms
            verdicts.append(f"p99 < {target.p99_ms:.0f} ms: {'PASS' if ok else 'MISS'}")
        print(
            f"{name:44} {figure.per_second:8.1f} {figure.p50_ms:8.1f} {figure.p99_ms:8.1f}   {'; '.join(verdicts)}"
        )


if __name__ == "__main__":
    sys.exit(main())
