"""No module's routes or hook listeners are silently left out of the app.

Routes attach to a blueprint, API operations to the registry and listeners to a hook when their module
is imported; each domain's ``web`` module imports them. A module forgotten there would serve nothing and
raise no error, so this test reads every module's source for those decorators and checks that building
the app imported it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete"}


def _attaches_something(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(call, ast.Name) and call.id == "operation":
                return True  # an API operation
            if isinstance(call, ast.Attribute) and isinstance(call.value, ast.Name | ast.Attribute):
                owner = call.value.id if isinstance(call.value, ast.Name) else call.value.attr
                if call.attr in ROUTE_METHODS and owner.endswith("bp"):
                    return True  # a route on a blueprint
                if call.attr == "connect" and isinstance(call.value, ast.Attribute):
                    return True  # a listener on a hook (hooks_module.some_hook.connect)
    return False


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(APP.parent).with_suffix("").parts)


def test_every_module_with_routes_operations_or_listeners_is_imported_by_the_app(app):
    attaching = sorted(_module_name(path) for path in APP.rglob("*.py") if _attaches_something(path))
    assert len(attaching) > 20  # the scan itself finds the app's view, API and listener modules
    assert [module for module in attaching if module not in sys.modules] == []
