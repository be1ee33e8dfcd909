"""README command 1 end to end: the launcher migrates SQLite, seeds the demo, serves it with an embedded
Redis, a worker and cron, and stops every child on SIGINT."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.demo import DEMO_PASSWORD, HOST_DOMAIN
from tests.conftest import PROJECT_ROOT, extract_csrf
from tests.services import free_port


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(url: str, launcher: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert launcher.poll() is None, "the launcher exited early"
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_the_launcher_serves_the_demo_on_sqlite_and_stops_everything_on_sigint(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    instance = tmp_path / "instance"
    # Only what a person's shell would hold: no test database or Redis, so the embedded defaults run.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env["PODIUM_INSTANCE_PATH"] = str(instance)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "app.devserver", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # A shell script's `bin/run &` starts it with SIGINT ignored; Ctrl-C must still stop it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    children: list[int] = []
    try:
        _wait_for(f"{base}/login", launcher, 90)
        with sqlite3.connect(instance / "podium.sqlite3") as database:
            assert database.execute("select version_num from alembic_version").fetchall() == [("0010",)]
        admin = requests.Session()
        token = extract_csrf(admin.get(f"{base}/login").text)
        signed_in = admin.post(
            f"{base}/login",
            data={"csrf_token": token, "email": f"admin@{HOST_DOMAIN}", "password": DEMO_PASSWORD},
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        for path in ("/admin", "/admin/jobs", "/admin/rq/", "/analytics", "/payouts/admin/payouts"):
            assert admin.get(f"{base}{path}").status_code == 200, path
        assert requests.get(f"{base}/api/v1/openapi.json", timeout=5).json()["openapi"].startswith("3.1")
        children = _children_of(launcher.pid)
        assert len(children) == 4  # redis-server, worker, cron, web server
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0
        assert not [child for child in children if _alive(child)]
    finally:
        # On failure, stop what was started: the children live in sessions of their own.
        for child in children or _children_of(launcher.pid):
            if _alive(child):
                os.kill(child, signal.SIGTERM)
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
