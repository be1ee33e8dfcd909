"""Benchmark: how long a job whose whole worker died (SIGKILL) waits before it is retried, with the
default heartbeat and recovery settings.

Run from the project root: ``.venv/bin/python -m bench.job_recovery``. Everything runs in a temporary
folder (SQLite, a throwaway redis-server, `flask cron` and `flask worker` as real processes). The job
is an e-mail to an SMTP port that accepts connections and never answers, so it is still running when
its worker is killed; a second worker is started at once (the recovery sweep, like every job, needs
one). Prints the time from the kill to the record saying "retrying" beside the target and exits 0
either way; exits 1 only when it could not measure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

TARGET_SECONDS = 60.0
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition, within: float, what: str):
    deadline = time.monotonic() + within
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"could not measure: gave up waiting for {what}")
        time.sleep(0.1)
    return value


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as folder, socket.socket() as silent:
        tmp = Path(folder)
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        redis_port = _free_port()
        env = {
            **os.environ,
            "PODIUM_ENV": "testing",
            "PODIUM_INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(silent.getsockname()[1]),
            "MAIL_TIMEOUT": "600",
            "SECRET_KEY": "bench-only",
        }
        for name in ("JOB_HEARTBEAT_SECONDS", "RECOVERY_INTERVAL_SECONDS"):
            env.pop(name, None)  # the defaults are what is measured
        started: list[subprocess.Popen[bytes]] = []

        def start(*command: str) -> subprocess.Popen[bytes]:
            log = (tmp / f"{command[0]}-{len(started)}.log").open("wb")
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - fixed commands
            started.append(process)
            return process

        flask = [sys.executable, "-m", "flask", "--app", "app"]
        try:
            start("redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no")
            subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
            start(*flask, "cron")
            worker = start(*flask, "worker")
            os.environ.update(env)
            from app import create_app, jobs
            from app.extensions import db
            from app.notifications.models import OutboxMessage

            app = create_app()
            with app.app_context():
                message = OutboxMessage(to_address="bench@outside.example", subject="Bench", body_text="-")
                db.session.add(message)
                db.session.commit()
                record = jobs.enqueue("app.notifications.jobs:deliver_email", message.id, queue="default")

                def status() -> str:
                    db.session.expire_all()
                    return db.session.get(jobs.JobRecord, record.id).status

                def retried() -> bool:  # "retrying", or already running again on the new worker
                    db.session.expire_all()
                    current = db.session.get(jobs.JobRecord, record.id)
                    return current.status == jobs.RETRYING or current.attempts >= 2

                _wait(lambda: status() == jobs.STARTED, 60, "the job to start")
                children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
                for pid in [worker.pid, *map(int, children)]:
                    os.kill(pid, signal.SIGKILL)
                killed_at = time.monotonic()
                start(*flask, "worker")
                _wait(retried, 300, "the job to be retried")
                waited = time.monotonic() - killed_at
        finally:
            for process in reversed(started):
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait()
        verdict = "PASS" if waited <= TARGET_SECONDS else "MISS"
        print(
            f"worker SIGKILLed mid-job -> job retried: {waited:5.1f} s  (target <= {TARGET_SECONDS:.0f} s)  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
