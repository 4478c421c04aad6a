"""Comparing two catalogs item version by item version: missing, extra, different, and since when."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.catalog_drift import (
    SUPERSEDED,
    DriftKind,
    VersionDigest,
    compare,
    first_seen,
    is_overdue,
    version_status,
)
from chalicelib.domain.clock import BEIJING

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=BEIJING)


def v(code: str, version: int = 1, digest: str = A, status: str = "active") -> VersionDigest:
    return VersionDigest(code, version, status, digest)


def test_equal_catalogs_have_no_difference() -> None:
    catalog = [v("KSTB-RS-001"), v("KSTB-RS-002", 1, B, SUPERSEDED), v("KSTB-RS-002", 2)]
    assert compare(catalog, list(reversed(catalog))) == []


def test_a_version_the_partner_lacks_is_missing_and_one_only_it_holds_is_extra() -> None:
    found = compare([v("KSTB-RS-001"), v("KSTB-RS-002")], [v("KSTB-RS-002"), v("KSTB-RS-003")])
    assert [(d.kind, d.code) for d in found] == [
        (DriftKind.MISSING, "KSTB-RS-001"),
        (DriftKind.EXTRA, "KSTB-RS-003"),
    ]
    assert found[0].theirs is None and found[1].ours is None and found[0].differs == []


def test_a_newer_version_at_one_side_is_missing_at_the_other_and_supersedes_what_it_holds() -> None:
    ours = [v("KSTB-RS-001", 1, A, SUPERSEDED), v("KSTB-RS-001", 2, B)]
    first, second = compare(ours, [v("KSTB-RS-001", 1, A)])
    assert (first.kind, first.version, first.differs) == (DriftKind.DIFFERENT, 1, ["status"])
    assert (second.kind, second.version) == (DriftKind.MISSING, 2)


def test_the_same_code_and_version_with_another_digest_is_different() -> None:
    (found,) = compare([v("KSTB-GA-001", 1, A)], [v("KSTB-GA-001", 1, B)])
    assert found.kind is DriftKind.DIFFERENT and found.differs == ["digest"]
    assert found.key == "different:KSTB-GA-001:1"


def test_the_same_standard_with_another_status_is_different_too() -> None:
    (found,) = compare([v("KSTB-GA-001")], [v("KSTB-GA-001", status="cancelled")])
    assert found.kind is DriftKind.DIFFERENT and found.differs == ["status"]


def test_first_seen_keeps_the_known_time_starts_new_ones_now_and_forgets_cleared_ones() -> None:
    differences = compare([v("X-0001"), v("X-0002")], [])
    known = {"missing:X-0001:1": T0, "extra:X-0009:1": T0}
    seen = first_seen(known, differences, T0 + timedelta(minutes=5))
    assert seen == {"missing:X-0001:1": T0, "missing:X-0002:1": T0 + timedelta(minutes=5)}


def test_a_difference_is_overdue_only_once_it_lasted_longer_than_the_threshold() -> None:
    threshold = timedelta(minutes=30)
    assert not is_overdue(T0, T0 + threshold, threshold)
    assert is_overdue(T0, T0 + threshold + timedelta(seconds=1), threshold)


def test_the_version_in_force_has_the_items_status_and_earlier_ones_are_superseded() -> None:
    assert version_status(2, 2, "cancelled") == "cancelled"
    assert version_status(1, 2, "active") == SUPERSEDED


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"code": "X-0001", "version": 0, "status": "active", "digest": A},
        {"code": "X-0001", "version": True, "status": "active", "digest": A},
        {"code": "X-0001", "version": 1, "status": "unknown", "digest": A},
        {"code": "X-0001", "version": 1, "status": "active", "digest": "md5:00"},
        {"code": "", "version": 1, "status": "active", "digest": A},
    ],
)
def test_a_partners_entry_that_is_not_one_is_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        VersionDigest.from_json(raw)


def test_a_partners_entry_reads_back_as_written() -> None:
    entry = v("KSTB-RS-001", 3, B, SUPERSEDED)
    assert VersionDigest.from_json(entry.as_json()) == entry
