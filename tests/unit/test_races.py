"""A write that lost a race runs again; any other refusal, or a race lost too often, stands."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.services.races import again_on_a_race


def flaky(failures: list[str]) -> tuple[list[int], object]:
    calls: list[int] = []

    def write() -> str:
        calls.append(1)
        if failures:
            raise Conflict(failures.pop(0))
        return "written"

    return calls, write


def test_a_write_that_lost_a_race_runs_again() -> None:
    calls, write = flaky(["concurrent_modification", "concurrent_modification"])
    assert again_on_a_race(write) == "written"  # type: ignore[arg-type]
    assert len(calls) == 3


def test_another_conflict_is_not_retried() -> None:
    calls, write = flaky(["item_not_active"])
    with pytest.raises(Conflict) as raised:
        again_on_a_race(write)  # type: ignore[arg-type]
    assert raised.value.code == "item_not_active" and len(calls) == 1


def test_a_race_lost_every_time_is_answered_after_the_attempts() -> None:
    calls, write = flaky(["concurrent_modification"] * 5)
    with pytest.raises(Conflict):
        again_on_a_race(write, attempts=3)  # type: ignore[arg-type]
    assert len(calls) == 3
