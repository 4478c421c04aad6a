"""The keys an exchange record carries: what signed each envelope and receipt, this province's
rotated-out keys included, whether the archive entry kept the key (since the entries do) or only
names it by `kid` (an entry archived before), so the record verifies offline after a rotation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.services.evidence import EvidenceService
from chalicelib.services.exchange import archive_entry
from conformance import jcs, jose
from conformance.verify import verify_bundle

CASE = "430000-20261130-7KQ2M9XA"
OLD, NEW, PARTNER = jose.new_private_jwk(), jose.new_private_jwk(), jose.new_private_jwk()


class Signer:
    """This province after a rotation: it signs with NEW now."""

    kid = NEW["kid"]

    def sign_jws(self, claims: dict[str, Any], typ: str) -> str:
        return jose.sign(claims, NEW, typ)

    def public_jwk(self) -> dict[str, Any]:
        return jose.public_jwk(NEW)


class Archive:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._entries = entries

    def keep(self, key: str, entry: dict[str, Any]) -> None:
        raise AssertionError("the export writes nothing")

    def entries(self, case: str) -> list[dict[str, Any]]:
        return self._entries


class Partners:
    def get(self, code: str) -> Any:
        return None  # the partner was removed from the registry since: only the kept keys remain


def message(
    sender: dict[str, Any], receiver: dict[str, Any], frm: str, to: str, seq: int
) -> tuple[str, str, dict[str, Any]]:
    payload = {"reason": f"第{seq}条"}
    claims = {
        "v": 1,
        "id": f"m-{frm}-{seq}",
        "type": "case.withdrawn",
        "case": CASE,
        "from": frm,
        "to": to,
        "sent_at": "2026-11-30T10:00:00+08:00",
        "seq": seq,
        "payload_sha256": jcs.sha256_hex(payload),
    }
    receipt = {
        "receipt_for": claims["id"],
        "case": CASE,
        "payload_sha256": claims["payload_sha256"],
        "from": to,
        "to": frm,
        "received_at": "2026-11-30T10:00:01+08:00",
    }
    return jose.sign(claims, sender, jose.ENVELOPE), jose.sign(receipt, receiver, jose.RECEIPT), payload


def entries(keep_keys: bool) -> list[dict[str, Any]]:
    """A message sent before the rotation (signed with OLD) and one received after (receipted with NEW)."""
    at = "2026-11-30T10:00:02+08:00"
    envelope, receipt, payload = message(OLD, PARTNER, "430000", "450000", 1)
    sent = archive_entry(
        "sent",
        envelope,
        payload,
        receipt,
        at,
        jose.public_jwk(OLD) if keep_keys else None,
        receiver_key=jose.public_jwk(PARTNER),
    )
    envelope, receipt, payload = message(PARTNER, NEW, "450000", "430000", 1)
    received = archive_entry(
        "received",
        envelope,
        payload,
        receipt,
        at,
        jose.public_jwk(PARTNER),
        receiver_key=jose.public_jwk(NEW) if keep_keys else None,
    )
    return [received, sent]


def bundle(kept: list[dict[str, Any]], own_key: Any = None) -> bytes:
    service = EvidenceService(
        Archive(kept),
        Partners(),  # type: ignore[arg-type]
        Signer(),
        "430000",
        clock=lambda: datetime(2026, 11, 30, 3, 0, tzinfo=UTC),
        own_key=own_key,
    )
    return service.bundle(CASE)


def test_the_keys_kept_with_each_message_verify_it_after_a_rotation() -> None:
    verified, notes = verify_bundle(bundle(entries(keep_keys=True)))
    assert verified, notes


def test_an_entry_archived_before_names_its_key_and_the_export_finds_it_by_kid() -> None:
    own = {OLD["kid"]: jose.public_jwk(OLD), NEW["kid"]: jose.public_jwk(NEW)}
    verified, notes = verify_bundle(bundle(entries(keep_keys=False), own.__getitem__))
    assert verified, notes


def test_without_the_rotated_out_key_the_old_envelope_does_not_verify() -> None:
    def gone(kid: str) -> dict[str, Any]:
        raise KeyError(kid)  # the old key was deleted

    verified, notes = verify_bundle(bundle(entries(keep_keys=False), gone))
    assert not verified
    assert any("envelope" in note or OLD["kid"] in note for note in notes), notes
