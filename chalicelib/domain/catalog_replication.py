"""Replicating item standards (事项标准) between provinces: who may change a standard, and how a
partner's copy follows its publisher.

Every item has one publisher of record (`publisher`: the province whose operator first published
it, or the one the seed's registry names). Only the publisher publishes versions of the standard,
cancels (取消) or delegates (下放) it; each publish or status change goes to every partner as a
signed message on the publisher's catalog stream (`catalog-<publisher>`, seq = the publisher's
catalog sequence). Every other province holds a copy and adds only its own implementation
(实施清单).

Invariants:
- A copy never skips a version: version v is applied only on top of v - 1; a message naming a later
  version first has the missing ones fetched from the publisher (`plan_versions`).
- A message the copy holds already (same version, same standard digest) changes nothing; one that
  holds the same version with another digest is refused (`standard_conflict`), never applied.
- A message about an item whose holder names another publisher is refused (`standard_not_owned`).
- Applying a version keeps this province's own implementation (local wins); the standard, and so
  its digest (`catalog_standard.standard_digest`), is the publisher's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.identifiers import CATALOG_STREAM_PATTERN, matches

STREAM_PREFIX = "catalog-"


def stream_of(publisher: str) -> str:
    """The exchange stream (the envelope's `case`) of a publisher's catalog messages."""
    return f"{STREAM_PREFIX}{publisher}"


def is_catalog_stream(case: str) -> bool:
    return matches(CATALOG_STREAM_PATTERN, case)


def publisher_of_stream(case: str) -> str:
    return case[len(STREAM_PREFIX) :]


class StandardNotOwned(Forbidden):
    """A change to a standard by a province that is not its publisher of record."""

    def __init__(self, code: str, publisher: str) -> None:
        super().__init__("standard_not_owned", item=code, publisher=publisher)


def check_owner(code: str, publisher: str | None, province: str) -> None:
    """Only the publisher of record changes a standard (an item nobody holds yet is free)."""
    if publisher is not None and publisher != province:
        raise StandardNotOwned(code, publisher)


@dataclass(frozen=True)
class VersionPlan:
    """What a copy does with a published version: `duplicate` (held, same standard), `conflict`
    (held with another standard), or `apply` after fetching `missing` (the versions in between)."""

    verdict: str
    missing: tuple[int, ...] = ()


def plan_versions(held: int, offered: int, held_digest: str | None, offered_digest: str) -> VersionPlan:
    """Where a published version `offered` stands against the copy's head version `held` (0: none).

    A version at or below the head is a duplicate if it is the head with the same digest (or an
    older one: versions never change, and the head moved on past it); the head with another digest
    is a conflict. A later one applies after the versions between, which the copy fetches."""
    if offered < held:
        return VersionPlan("duplicate")
    if offered == held:
        return VersionPlan("duplicate" if held_digest == offered_digest else "conflict")
    return VersionPlan("apply", tuple(range(held + 1, offered)))


def merged_implementations(
    offered: dict[str, Any], current: dict[str, Any] | None, province: str
) -> dict[str, Any]:
    """The implementations a copy keeps: the publisher's, with this province's own where it set one
    (an implementation is a province's own; the publisher's entry for it is only a default)."""
    merged = dict(offered)
    own = (current or {}).get(province)
    if own is not None:
        merged[province] = own
    return merged
