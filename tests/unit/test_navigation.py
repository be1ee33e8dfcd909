"""Redirect targets after sign-in must stay on this site."""

import pytest

from app.accounts.navigation import is_safe_next


@pytest.mark.parametrize("target", ["/admin", "/challenges/x?tab=rules", "/inbox/"])
def test_local_paths_are_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example/path",
        "/ok\r\nLocation: https://evil.example",
        "http:/evil.example",
    ],
)
def test_external_or_malformed_targets_are_refused(target):
    assert not is_safe_next(target)
