"""Hooks: where a lower layer lets the layers above it take part, without importing them.

A domain may import only the domains below it, yet some of its moments and pages concern domains above:
a challenge's page shows the viewer's entry (submissions) and their manager's approval (marketplace);
published results start the payouts. The lower domain declares a ``Hook`` and calls it; each higher
domain connects a listener in its ``hooks`` module, which its web module imports when the app is built.

A hook that someone relies on is ``required``: called with nobody listening it raises instead of quietly
doing nothing, so a forgotten listener can never skip an approval check or a payout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blinker import Signal

Listener = Callable[..., Any]


class HookNotConnected(RuntimeError):
    """A required hook was called before any domain listened to it: the app was built incompletely."""


class Hook:
    """A named point that higher layers listen to; calling it returns every listener's answer."""

    def __init__(self, name: str, *, required: bool = True, doc: str = "") -> None:
        self.name = name
        self.required = required
        self.__doc__ = doc
        self._signal = Signal(name)

    def connect(self, listener: Listener) -> Listener:
        """Use as a decorator on a module-level function; it is held strongly, so it lives as long as the app."""
        self._signal.connect(listener, weak=False)
        return listener

    def answers(self, sender: Any, **details: Any) -> list[Any]:
        """Call every listener with ``sender`` and ``details``; their return values, in connection order."""
        if self.required and not self._signal.receivers:
            raise HookNotConnected(
                f"nothing listens to the {self.name!r} hook; build the app with create_app"
            )
        return [answer for _listener, answer in self._signal.send(sender, **details)]

    def merged(self, sender: Any, **details: Any) -> dict[str, Any]:
        """For listeners that each return a dict (template variables, say): all of them in one dict."""
        merged: dict[str, Any] = {}
        for answer in self.answers(sender, **details):
            merged.update(answer)
        return merged

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"
