"""Catalog drift (目录差异): this gateway's catalog against a partner's, item version by item version.

四级四同 holds only while every province holds the same standard of every item version. Each side
lists, per item version, its code, version, status and standard digest (`catalog_standard`), and
the lists are compared here.

Invariants:
- A version only this gateway holds is `missing` (the partner lacks it); one only the partner holds
  is `extra`; one both hold whose digest or status differs is `different`. Equal entries are no
  drift, and two equal lists give no difference at all.
- A difference is identified by its key (kind, code, version). Its first-seen time is kept from
  check to check for as long as it lasts and forgotten once it clears, so a difference that
  comes back starts anew.
- A partner that could not be asked is unreachable, never drift: its first-seen times are kept as
  they were (neither cleared nor aged into new ones) until it answers again.
- A difference is overdue (the alarm) once it has lasted longer than the configured threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain.catalog_standard import DIGEST_PREFIX

SUPERSEDED = "superseded"  # a version no longer in force (a later one was published); kept for its cases
VERSION_STATUSES = frozenset({"active", "cancelled", "delegated", SUPERSEDED})
MAX_CODE_LENGTH = 64


class DriftKind(StrEnum):
    MISSING = "missing"  # this gateway holds it, the partner lacks it
    EXTRA = "extra"  # only the partner holds it
    DIFFERENT = "different"  # both hold it: another standard digest or status


class PartnerState(StrEnum):
    IN_SYNC = "in_sync"
    DRIFT = "drift"
    UNREACHABLE = "unreachable"  # did not answer, or answered with something other than its digests
    SUSPENDED = "suspended"  # suspended in the partner registry: not asked


@dataclass(frozen=True, order=True)
class VersionDigest:
    """One item version as a catalog lists it: code, version, status and standard digest."""

    code: str
    version: int
    status: str
    digest: str

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "version": self.version, "status": self.status, "digest": self.digest}

    @classmethod
    def from_json(cls, raw: Any) -> VersionDigest:
        """A partner's entry, checked; ValueError if it is not one (the answer is then unusable)."""
        if not isinstance(raw, dict):
            raise ValueError("a digest entry is an object")
        code, version, status, digest = (raw.get(k) for k in ("code", "version", "status", "digest"))
        if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE_LENGTH:
            raise ValueError("code")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError("version")
        if status not in VERSION_STATUSES:
            raise ValueError("status")
        if not isinstance(digest, str) or not digest.startswith(DIGEST_PREFIX) or len(digest) != 71:
            raise ValueError("digest")
        return cls(code, version, str(status), digest)


def version_status(version: int, in_force: int, item_status: str) -> str:
    """The status of one version: the item's status for the version in force, else superseded."""
    return item_status if version == in_force else SUPERSEDED


@dataclass(frozen=True)
class Difference:
    kind: DriftKind
    code: str
    version: int
    ours: VersionDigest | None
    theirs: VersionDigest | None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.code}:{self.version}"

    @property
    def differs(self) -> list[str]:
        """What differs between the two sides' entries (`digest`, `status`); empty unless different."""
        if self.ours is None or self.theirs is None:
            return []
        return [f for f in ("digest", "status") if getattr(self.ours, f) != getattr(self.theirs, f)]


def compare(ours: Iterable[VersionDigest], theirs: Iterable[VersionDigest]) -> list[Difference]:
    """Every difference between two catalogs, by code, version."""
    mine = {(d.code, d.version): d for d in ours}
    other = {(d.code, d.version): d for d in theirs}
    found: list[Difference] = []
    for code, version in sorted(mine.keys() | other.keys()):
        a, b = mine.get((code, version)), other.get((code, version))
        if b is None:
            found.append(Difference(DriftKind.MISSING, code, version, a, None))
        elif a is None:
            found.append(Difference(DriftKind.EXTRA, code, version, None, b))
        elif a.digest != b.digest or a.status != b.status:
            found.append(Difference(DriftKind.DIFFERENT, code, version, a, b))
    return found


def first_seen(
    known: Mapping[str, datetime], differences: Iterable[Difference], now: datetime
) -> dict[str, datetime]:
    """Since when each current difference has been seen: as known, or from `now` for a new one.
    Differences no longer seen are dropped."""
    return {d.key: known.get(d.key, now) for d in differences}


def is_overdue(since: datetime, now: datetime, threshold: timedelta) -> bool:
    """A difference that has lasted longer than the threshold raises the alarm."""
    return now - since > threshold
