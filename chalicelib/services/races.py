"""Writes that lost a race to another write of the same record and are simply run again.

A case, or the catalog snapshot every item shares, is written under optimistic locking: a write
whose version moved under it fails with `concurrent_modification`. Where the caller's write does
not depend on what the other write decided (an addition to a case, an operator's publish racing a
partner's replicated version), it is run again on the fresh record rather than answered 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain.errors import Conflict

T = TypeVar("T")
RACE_ATTEMPTS = 3


def again_on_a_race(write: Callable[[], T], attempts: int = RACE_ATTEMPTS) -> T:
    """Run `write`; when another write committed first, run it again (at most `attempts` times)."""
    for attempt in range(attempts):
        try:
            return write()
        except Conflict as conflict:
            if conflict.code != "concurrent_modification" or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
