"""The mypy gate over app/: the errors we already know of may only go away, and no new one may appear.

mypy runs with the settings in pyproject.toml. Each error is keyed by its file, error code and message, never
its line, so an edit elsewhere in a file does not disturb the baseline; a key that occurs several times is
counted. The check fails when a key occurs more often than the baseline says (a new error: fix it) and also
when it occurs less often (an error was fixed: run ``shrink`` so the baseline records the progress and the
error cannot come back unnoticed).

Usage, from the repository root:
    python bin/lib/mypy_baseline.py           check the errors against the baseline (the default)
    python bin/lib/mypy_baseline.py shrink    drop the fixed errors from the baseline; refused while any is new
    python bin/lib/mypy_baseline.py init      write a first baseline; refused while one exists
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

BASELINE = Path("mypy-baseline.txt")
HEADER = (
    "# Known mypy errors in app/, checked by bin/lib/mypy_baseline.py: file, error code, how many, message.\n"
    "# This list may only shrink. After fixing errors, run: .venv/bin/python bin/lib/mypy_baseline.py shrink\n"
)


class Key(NamedTuple):
    path: str
    code: str
    message: str


class Error(NamedTuple):
    key: Key
    line: int

    def __str__(self) -> str:
        return f"{self.key.path}:{self.line}: error: {self.key.message}  [{self.key.code}]"


def parse_errors(lines: Iterable[str]) -> list[Error]:
    """mypy's JSON output (one object a line) as errors; notes and hints are part of the error they follow."""
    errors = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        if item["severity"] != "error":
            continue
        path = str(item["file"]).replace("\\", "/")
        errors.append(Error(Key(path, str(item["code"] or "misc"), str(item["message"])), int(item["line"])))
    return errors


def read_baseline(text: str) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, code, count, message = line.split("\t", 3)
        counts[Key(path, code, message)] += int(count)
    return counts


def format_baseline(counts: Counter[Key]) -> str:
    rows = [
        f"{key.path}\t{key.code}\t{count}\t{key.message}\n" for key, count in sorted(counts.items()) if count
    ]
    return HEADER + "".join(rows)


def compare(current: Counter[Key], baseline: Counter[Key]) -> tuple[Counter[Key], Counter[Key]]:
    """How many more of each key occur than the baseline allows, and how many fewer than it records."""
    return current - baseline, baseline - current


def run_mypy() -> list[Error]:
    """mypy over the files pyproject.toml names; exits on a crash or a usage error rather than guess."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--output", "json"], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout + done.stderr)
        sys.exit(f"mypy itself failed (exit {done.returncode}); see above.")
    return parse_errors(done.stdout.splitlines())


def _report_new(errors: list[Error], new: Counter[Key], baseline: Counter[Key]) -> None:
    print(f"New mypy errors ({sum(new.values())}), not in {BASELINE}: fix them.")
    for key, extra in sorted(new.items()):
        known = baseline[key]
        if known:
            print(
                f"  {extra} more than the {known} known of this one (any of these lines may be the new one):"
            )
        for error in errors:
            if error.key == key:
                print(f"  {error}")


def _report_gone(gone: Counter[Key], baseline: Counter[Key]) -> None:
    print(f"Errors fixed ({sum(gone.values())}) but still in {BASELINE}: record the progress with")
    print("  .venv/bin/python bin/lib/mypy_baseline.py shrink")
    for key, fewer in sorted(gone.items()):
        print(
            f"  {key.path} [{key.code}] {key.message}  (baseline {baseline[key]}, now {baseline[key] - fewer})"
        )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command not in ("check", "shrink", "init"):
        print(__doc__)
        return 2
    if command == "init" and BASELINE.exists():
        print(f"{BASELINE} exists; it may only shrink (run shrink), not be written anew.")
        return 1
    errors = run_mypy()
    current = Counter(error.key for error in errors)
    if command == "init":
        BASELINE.write_text(format_baseline(current))
        print(f"Wrote {BASELINE}: {len(errors)} errors.")
        return 0
    baseline = read_baseline(BASELINE.read_text()) if BASELINE.exists() else Counter()
    new, gone = compare(current, baseline)
    if new:
        _report_new(errors, new, baseline)
    if command == "shrink":
        if new:
            print("Nothing written: the baseline only shrinks.")
            return 1
        BASELINE.write_text(format_baseline(current))
        print(f"{BASELINE}: {sum(baseline.values())} → {len(errors)} known errors.")
        return 0
    if gone:
        _report_gone(gone, baseline)
    if new or gone:
        return 1
    print(f"mypy: {len(errors)} known errors, exactly those in {BASELINE}; none new.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
