"""The mypy baseline gate: errors are matched by file, code and message, counted, and may only go away."""

import importlib.util
import json
from collections import Counter
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "mypy_baseline", Path(__file__).resolve().parents[2] / "bin" / "lib" / "mypy_baseline.py"
)
assert _SPEC is not None and _SPEC.loader is not None
baseline = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(baseline)


def _line(path, line, message, code="arg-type", severity="error"):
    return json.dumps(
        {
            "file": path,
            "line": line,
            "column": 4,
            "message": message,
            "hint": None,
            "code": code,
            "severity": severity,
        }
    )


def _counts(*lines):
    return Counter(error.key for error in baseline.parse_errors(lines))


def test_an_error_that_moved_to_another_line_still_matches_the_baseline():
    known = _counts(_line("app/a.py", 10, "Bad argument"))
    now = _counts(_line("app/a.py", 42, "Bad argument"))
    assert baseline.compare(now, known) == (Counter(), Counter())


def test_a_second_occurrence_of_a_known_error_is_new():
    known = _counts(_line("app/a.py", 10, "Bad argument"))
    now = _counts(_line("app/a.py", 10, "Bad argument"), _line("app/a.py", 30, "Bad argument"))
    new, gone = baseline.compare(now, known)
    assert sum(new.values()) == 1
    assert not gone


def test_a_fixed_error_must_leave_the_baseline_and_a_new_message_is_new():
    known = _counts(_line("app/a.py", 10, "Bad argument"), _line("app/b.py", 5, "Bad return", "return-value"))
    now = _counts(_line("app/a.py", 10, "Other problem"))
    new, gone = baseline.compare(now, known)
    assert [key.message for key in new] == ["Other problem"]
    assert sorted(key.message for key in gone) == ["Bad argument", "Bad return"]


def test_notes_are_not_errors_and_a_missing_code_counts_as_misc():
    errors = baseline.parse_errors(
        [_line("app/a.py", 1, "See the docs", severity="note"), _line("app/a.py", 2, "x", None)]
    )
    assert [error.key.code for error in errors] == ["misc"]


def test_the_baseline_file_reads_back_what_was_written():
    counts = _counts(
        _line("app/a.py", 1, 'Item "None" of "User | None" has no attribute "id"', "union-attr"),
        _line("app/a.py", 9, 'Item "None" of "User | None" has no attribute "id"', "union-attr"),
        _line("app/b.py", 3, "Tabs\tand: colons"),
    )
    text = baseline.format_baseline(counts)
    assert text.startswith("#")
    assert baseline.read_baseline(text) == counts
