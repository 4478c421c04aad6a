"""The per-case audit hash chain: sealing, and detection of every kind of tampering."""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

import pytest

from chalicelib.domain.audit import GENESIS, ChainReport, event_hash, seal, verify_chain


def chain(length: int = 6) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    previous = GENESIS
    for seq in range(1, length + 1):
        event = seal(
            previous,
            {
                "seq": seq,
                "at": f"2025-06-0{seq}T09:00:00+08:00",
                "actor": {"subject": f"clerk-{seq}", "role": "window_clerk"},
                "act": "受理" if seq == 1 else "审核",
                "reason": f"第{seq}步",
                "amount": seq * 1.5,
            },
        )
        events.append(event)
        previous = event["hash"]
    return events


def test_seal_sets_prev_hash_and_hash() -> None:
    event = seal(GENESIS, {"seq": 1, "act": "受理", "hash": "stale", "prev_hash": "stale"})
    assert event["prev_hash"] == GENESIS
    body = {"seq": 1, "act": "受理", "prev_hash": GENESIS}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert event["hash"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert event["hash"] == event_hash(GENESIS, event)


def test_hash_ignores_key_order_and_own_hash() -> None:
    a = event_hash(GENESIS, {"seq": 1, "act": "受理", "hash": "x"})
    b = event_hash(GENESIS, {"act": "受理", "seq": 1})
    assert a == b
    assert event_hash("f" * 64, {"seq": 1, "act": "受理"}) != a


def test_seal_does_not_change_its_input() -> None:
    original = {"seq": 1, "act": "受理"}
    seal(GENESIS, original)
    assert original == {"seq": 1, "act": "受理"}


def test_valid_chain_verifies() -> None:
    events = chain()
    assert verify_chain(events) == ChainReport(ok=True, length=6, first_broken=None, reason=None)
    assert events[0]["prev_hash"] == GENESIS
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(events))


def test_empty_chain_verifies() -> None:
    assert verify_chain([]) == ChainReport(ok=True, length=0)


def test_chain_survives_a_json_round_trip() -> None:
    events = json.loads(json.dumps(chain(), ensure_ascii=False))
    assert verify_chain(events).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("act", "决定"),
        ("reason", "改过的理由"),
        ("at", "2025-06-03T10:00:00+08:00"),
        ("actor", {"subject": "someone-else", "role": "window_clerk"}),
        ("amount", 4.6),
        ("added", True),
    ],
)
def test_changed_field_of_a_middle_event(field: str, value: Any) -> None:
    events = chain()
    events[2] = {**events[2], field: value}
    report = verify_chain(events)
    assert (report.ok, report.first_broken, report.reason) == (False, 3, "hash_mismatch")
    assert report.length == 6


def test_removed_field_of_a_middle_event() -> None:
    events = chain()
    events[3] = {key: value for key, value in events[3].items() if key != "reason"}
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (4, "hash_mismatch")


def test_altered_hash() -> None:
    events = chain()
    events[3] = {**events[3], "hash": "0" * 63 + "1"}
    report = verify_chain(events)
    assert (report.ok, report.first_broken, report.reason) == (False, 4, "hash_mismatch")


def test_missing_hash() -> None:
    events = chain()
    del events[1]["hash"]
    assert (verify_chain(events).first_broken, verify_chain(events).reason) == (2, "hash_mismatch")


def test_altered_prev_hash() -> None:
    events = chain()
    events[4] = {**events[4], "prev_hash": events[2]["hash"]}
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (5, "prev_hash_mismatch")


def test_first_event_must_follow_genesis() -> None:
    events = chain()
    events[0] = seal("a" * 64, {k: v for k, v in events[0].items() if k not in ("hash", "prev_hash")})
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (1, "prev_hash_mismatch")


def test_removed_event() -> None:
    """The gap is reported at the seq that is missing: events 1 and 2 are intact."""
    events = chain()
    del events[2]
    report = verify_chain(events)
    assert (report.ok, report.length, report.first_broken, report.reason) == (False, 5, 3, "sequence_gap")


def test_removed_first_event() -> None:
    events = chain()[1:]
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (1, "sequence_gap")


def test_reordered_events() -> None:
    events = chain()
    events[2], events[3] = events[3], events[2]
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (3, "sequence_gap")


def test_reordered_and_renumbered_events() -> None:
    """Swapping two events and renumbering them to hide it breaks the hash of the first moved."""
    events = chain()
    third, fourth = events[2], events[3]
    events[2] = {**fourth, "seq": 3}
    events[3] = {**third, "seq": 4}
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (3, "prev_hash_mismatch")


def test_removed_event_with_the_rest_resealed_is_caught_at_the_link() -> None:
    """Deleting an event and renumbering the next without resealing: the link no longer holds."""
    events = chain()
    del events[2]
    for seq, event in enumerate(events, start=1):
        event["seq"] = seq
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (3, "prev_hash_mismatch")


def test_inserted_event() -> None:
    """A forged, well-sealed event at seq 3 pushes the real seq 3 to the 4th place."""
    events = chain()
    forged = seal(events[1]["hash"], {"seq": 3, "act": "伪造"})
    events.insert(2, forged)
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (4, "sequence_gap")


@pytest.mark.parametrize("seq", [None, "3", 3.0, True])
def test_non_integer_seq_is_a_gap_at_its_position(seq: Any) -> None:
    events = chain()
    events[2] = {**events[2], "seq": seq}
    if seq is None:
        del events[2]["seq"]
    report = verify_chain(events)
    assert (report.first_broken, report.reason) == (3, "sequence_gap")


def test_report_is_frozen() -> None:
    report = verify_chain(chain())
    with pytest.raises(AttributeError):
        report.ok = False  # type: ignore[misc]
