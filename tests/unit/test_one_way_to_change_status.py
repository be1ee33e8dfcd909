"""Only ``app/challenges/transitions.py`` writes a challenge's status: every other domain calls it.

Read from the source, so a new ``challenge.status = ...`` anywhere else in the app fails this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
THE_ONE_PLACE = APP / "challenges" / "transitions.py"


def _status_writes(path: Path) -> list[str]:
    """``<x>.status_changed_at = …`` anywhere, and ``challenge.status = …`` (the name challenges go by)."""
    writes = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign | ast.AnnAssign)
            else []
        )
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            on_a_challenge = isinstance(target.value, ast.Name) and target.value.id == "challenge"
            if target.attr == "status_changed_at" or (target.attr == "status" and on_a_challenge):
                writes.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    return writes


def test_no_module_but_transitions_writes_a_challenges_status():
    elsewhere = [
        write for path in sorted(APP.rglob("*.py")) if path != THE_ONE_PLACE for write in _status_writes(path)
    ]
    assert elsewhere == []


def test_the_check_itself_finds_a_write():
    assert _status_writes(THE_ONE_PLACE), "transitions.py writes the status, so the check must see it"
