"""How long a long-running process waits before trying a lost service again: doubling, with a ceiling.

The cron scheduler and the workers outlive Redis and PostgreSQL restarts. Trying again at once would
spin on a dead socket; waiting a fixed minute would leave sweeps stopped long after the service is
back. The wait starts short, doubles after each failure up to ``ceiling`` seconds, and starts short
again after the first success.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Seconds to wait before the next attempt; ``failed()`` lengthens it, ``succeeded()`` resets it."""

    first: float = 0.5
    ceiling: float = 30.0
    factor: float = 2.0
    _failures: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.first <= 0 or self.ceiling < self.first or self.factor < 1:
            raise ValueError("backoff needs 0 < first <= ceiling and factor >= 1")

    def failed(self) -> float:
        """Count one more failure in a row and return how long to wait before trying again."""
        delay = min(self.ceiling, self.first * self.factor ** min(self._failures, 64))
        self._failures += 1
        return float(delay)

    def succeeded(self) -> None:
        self._failures = 0

    @property
    def failures(self) -> int:
        """Failures in a row since the last success."""
        return self._failures
