"""Production refuses to start on bad settings, with one line that names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DATABASE_URL")}
    env.update({"PODIUM_ENV": "production", **extra_env})
    return subprocess.run(
        [sys.executable, "-c", "import app.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("extra_env", "variable"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "s3cret"}, "DATABASE_URL"),
        (
            {"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://db/x", "STORAGE_BACKEND": "ftp"},
            "STORAGE_BACKEND",
        ),
        ({"SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://db/x"}, "PUBLIC_URL"),
        (
            {
                "SECRET_KEY": "s3cret",
                "DATABASE_URL": "postgresql://db/x",
                "PUBLIC_URL": "https://podium.example",
                "METRICS_ENABLED": "true",
            },
            "METRICS_TOKEN",
        ),
    ],
)
def test_production_start_fails_with_one_line_naming_the_variable(extra_env, variable):
    result = _start(extra_env)
    assert result.returncode == 3  # gunicorn's "worker failed to boot": it stops instead of restarting
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr
