"""Offline verification of an exported exchange record (evidence bundle), from the spec.

A bundle verifies when: its bytes are exactly the RFC 8785 canonical JSON of its content; the seal
is a JWS (typ tongban-record+jws) by a key of the exporting province in the bundle's `jwks` (or in
`trusted`, when given) over the SHA-256 of the record's canonical JSON; every message's envelope
and receipt verify with the keys of their signers, its payload matches `payload_sha256`, the
receipt answers the envelope; and each sender's `seq` values in the case are distinct and
ascending in the record's order. Any changed byte breaks one of these.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from conformance import jcs, jose

FORMAT = "tongban-exchange-record/1"


def verify_bundle(raw: bytes, trusted: dict[str, Any] | None = None) -> tuple[bool, list[str]]:
    """(verified, findings): what was checked, and what failed."""
    notes: list[str] = []
    try:
        bundle = json.loads(raw.decode("utf-8"))
        if jcs.canonicalize(bundle) != raw:
            return False, ["the file is not the canonical JSON of its content: it was changed or reformatted"]
        record, seal = bundle["record"], bundle["seal"]
        if set(bundle) != {"record", "seal"} or record.get("format") != FORMAT:
            return False, [f"not a {FORMAT} bundle"]
        jwks: dict[str, Any] = record["jwks"]
        own = record["province"]
        anchor = trusted if trusted is not None else jwks.get(own, {})
        claims = jose.verify(seal, anchor, jose.RECORD)
        digest = hashlib.sha256(jcs.canonicalize(record)).hexdigest()
        if claims.get("record_sha256") != digest:
            return False, ["the seal does not match the record's digest"]
        if (claims.get("case"), claims.get("from")) != (record["case"], own):
            return False, ["the seal names another case or province"]
        notes.append(f"seal by {own} verifies over record {digest[:16]}…")
        seqs: dict[str, list[int]] = {}
        for n, message in enumerate(record["messages"], 1):
            envelope = jose.unverified(message["envelope"])
            sender, receiver = str(envelope.get("from")), str(envelope.get("to"))
            verified = jose.verify(message["envelope"], jwks.get(sender, {}), jose.ENVELOPE)
            receipt = jose.verify(message["receipt"], jwks.get(receiver, {}), jose.RECEIPT)
            problems = []
            if verified.get("case") != record["case"]:
                problems.append("envelope of another case")
            if jcs.sha256_hex(message["payload"]) != verified.get("payload_sha256"):
                problems.append("payload does not match payload_sha256")
            answers = (
                receipt.get("receipt_for"),
                receipt.get("payload_sha256"),
                receipt.get("from"),
                receipt.get("to"),
            )
            if answers != (verified.get("id"), verified.get("payload_sha256"), receiver, sender):
                problems.append("receipt does not answer the envelope")
            direction = message.get("direction")
            if (direction == "sent") != (sender == own) or direction not in ("sent", "received"):
                problems.append(f"direction {direction!r} contradicts from {sender}")
            if problems:
                return False, [*notes, f"message {n} ({verified.get('id')}): " + "; ".join(problems)]
            seqs.setdefault(sender, []).append(int(verified["seq"]))
            notes.append(
                f"message {n}: {verified['type']} seq {verified['seq']} {sender}→{receiver}, receipt verifies"
            )
        for sender, order in seqs.items():
            if order != sorted(set(order)):
                return False, [*notes, f"seq of {sender} not distinct and ascending: {order}"]
            missing = sorted(set(range(1, max(order) + 1)) - set(order))
            if missing:
                notes.append(f"note: seq {missing} of {sender} not in the record (not yet receipted)")
        return True, notes
    except jose.JwsError as err:
        return False, [*notes, f"signature: {err}"]
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as err:
        return False, [*notes, f"malformed bundle: {type(err).__name__}: {err}"]
