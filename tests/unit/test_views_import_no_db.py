"""Views and API handlers read through each domain's queries and change state through its services;
none of them imports the database session (``db``) itself.

Read from the source, so a view that starts running its own query fails this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
WEB_MODULES = sorted(
    {
        *APP.glob("api/*.py"),
        *APP.glob("*/views.py"),
        *APP.glob("*/*_views.py"),
        APP / "admin" / "audit_log.py",
        APP / "admin" / "people.py",
        APP / "challenges" / "browse.py",
        APP / "challenges" / "manage.py",
        APP / "payouts" / "earnings.py",
    }
)


def _imports_db(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "app.extensions"
            and any(alias.name == "db" for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Import) and any(alias.name == "app.extensions" for alias in node.names):
            return True
    return False


def test_no_view_or_api_module_imports_db():
    assert len(WEB_MODULES) > 25
    assert [str(path.relative_to(APP.parent)) for path in WEB_MODULES if _imports_db(path)] == []


def test_the_check_sees_an_import_of_db(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("from app.extensions import csrf, db\n")
    assert _imports_db(module)
    module.write_text("from app.extensions import csrf\n")
    assert not _imports_db(module)
