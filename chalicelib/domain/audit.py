"""The per-case audit trail as a hash chain (tamper evidence for 电子监察).

Each timeline event is a JSON-able mapping with a `seq` (1, 2, 3 … in order), the `prev_hash` of
the event before it (GENESIS for the first) and its own `hash`: SHA-256 hex over the canonical JSON
of the event without `hash` but with `prev_hash`. Changing, removing, inserting or reordering an
event breaks the chain at that event.

The chain alone cannot reveal that its last events were cut off: the case record keeps the head
(last `seq` and `hash`) so a caller can compare it with the report's length and the last hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

GENESIS: Final = "0" * 64
PREV_HASH_MISMATCH: Final = "prev_hash_mismatch"
HASH_MISMATCH: Final = "hash_mismatch"
SEQUENCE_GAP: Final = "sequence_gap"


def _body(previous_hash: str, event: Mapping[str, Any]) -> dict[str, Any]:
    body = {key: value for key, value in event.items() if key != "hash"}
    body["prev_hash"] = previous_hash
    return body


def _digest(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def event_hash(previous_hash: str, event: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of `event` without `hash`, with `prev_hash` = previous_hash."""
    return _digest(_body(previous_hash, event))


def seal(previous_hash: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `event` with `prev_hash` and `hash` set, ready to append after `previous_hash`."""
    body = _body(previous_hash, event)
    body["hash"] = _digest(body)
    return body


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verify_chain.

    `first_broken` is the `seq` of the first bad event: the seq that the event at that place in the
    chain should carry, so events 1 … first_broken - 1 are intact. When an event is missing or out
    of place (sequence_gap), it is the seq that was expected there, not the one found. `reason` is
    one of prev_hash_mismatch, hash_mismatch, sequence_gap.
    """

    ok: bool
    length: int
    first_broken: int | None = None
    reason: str | None = None


def verify_chain(events: Sequence[Mapping[str, Any]]) -> ChainReport:
    """Check events given in order: seq 1, 2, 3 …, each linked to the one before, each hash right."""
    previous = GENESIS
    for position, event in enumerate(events, start=1):
        seq = event.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq != position:
            return _broken(events, position, SEQUENCE_GAP)
        if event.get("prev_hash") != previous:
            return _broken(events, position, PREV_HASH_MISMATCH)
        try:
            expected = event_hash(previous, event)
        except (TypeError, ValueError):
            return _broken(events, position, HASH_MISMATCH)
        if event.get("hash") != expected:
            return _broken(events, position, HASH_MISMATCH)
        previous = expected
    return ChainReport(ok=True, length=len(events))


def _broken(events: Sequence[Mapping[str, Any]], at: int, reason: str) -> ChainReport:
    return ChainReport(ok=False, length=len(events), first_broken=at, reason=reason)
