"""Exchange messages in the cases table (docs/storage.md):

XMSG#<id> / IN              a message received: envelope, payload, our receipt, status
CASE#<number> / PARK#<from>#<seq:06d>   a message that came before its predecessor, waiting
CASE#<number> / XOUT#<id>   a message to send (outbox; sparse outbox-index `XPENDING`, by next attempt)
XREFUSED#<yyyy-mm-dd> / <at>#<n>        a refused message, for operators
CASE#<number> / SYNC        a case out of sync (sparse outbox-index `XSYNC`, by next retry)
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client, due_in_outbox, partition_docs, put_new

OUTBOUND_PENDING = "XPENDING"
OUT_OF_SYNC = "XSYNC"
EVER = "9999-12-31T23:59:59+08:00"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _doc(value: dict[str, Any]) -> dict[str, str]:
    return _s(json.dumps(value, ensure_ascii=False))


def inbound_key(message_id: str) -> dict[str, Any]:
    return {"pk": _s(f"XMSG#{message_id}"), "sk": _s("IN")}


def park_key(case: str, sender: str, seq: int) -> dict[str, Any]:
    return {"pk": _s(f"CASE#{case}"), "sk": _s(f"PARK#{sender}#{seq:06d}")}


def outbound_key(case: str, message_id: str) -> dict[str, Any]:
    return {"pk": _s(f"CASE#{case}"), "sk": _s(f"XOUT#{message_id}")}


class DynamoMessageStore:
    def __init__(self, table: str) -> None:
        self._table = table

    # — inbound —

    def received(self, message_id: str) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=inbound_key(message_id)).get("Item")
        return None if item is None else dict(json.loads(item["doc"]["S"]))

    def put_received(self, record: dict[str, Any]) -> bool:
        """Store a newly received message; False if its id is known already."""
        return put_new(self._table, {**inbound_key(record["id"]), "doc": _doc(record)})

    def received_item(self, record: dict[str, Any]) -> dict[str, Any]:
        """The Put of an inbound record's new state, for a case transaction."""
        return {"Item": {**inbound_key(record["id"]), "doc": _doc(record)}}

    def park_item(self, case: str, sender: str, seq: int, message_id: str) -> dict[str, Any]:
        return {"Item": {**park_key(case, sender, seq), "doc": _doc({"id": message_id})}}

    def parked(self, case: str, sender: str, seq: int) -> str | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=park_key(case, sender, seq)).get("Item")
        return None if item is None else str(json.loads(item["doc"]["S"])["id"])

    def put(self, side: dict[str, Any]) -> None:
        client("dynamodb").put_item(TableName=self._table, **side)

    def unpark_delete(self, case: str, sender: str, seq: int) -> dict[str, Any]:
        return {"Delete": {"TableName": self._table, "Key": park_key(case, sender, seq)}}

    # — cases out of sync —

    def sync_item(self, issue: dict[str, Any], next_retry: str) -> dict[str, Any]:
        """The Put of a case's out-of-sync record (`issue` names the case), due for retry then."""
        key = {"pk": _s(f"CASE#{issue['case']}"), "sk": _s("SYNC")}
        return {"Item": {**key, "doc": _doc(issue), "outbox": _s(OUT_OF_SYNC), "outbox_at": _s(next_retry)}}

    def sync_clear(self, case: str) -> dict[str, Any]:
        return {"Delete": {"TableName": self._table, "Key": {"pk": _s(f"CASE#{case}"), "sk": _s("SYNC")}}}

    def sync_due(self, now: str, limit: int) -> list[dict[str, Any]]:
        return due_in_outbox(self._table, OUT_OF_SYNC, now, limit)

    def out_of_sync(self, limit: int) -> list[dict[str, Any]]:
        return due_in_outbox(self._table, OUT_OF_SYNC, EVER, limit)

    # — refusals —

    def record_refusal(self, refusal: dict[str, Any]) -> None:
        day = refusal["at"][:10]
        client("dynamodb").put_item(
            TableName=self._table,
            Item={
                "pk": _s(f"XREFUSED#{day}"),
                "sk": _s(f"{refusal['at']}#{secrets.token_hex(4)}"),
                "doc": _doc(refusal),
            },
        )

    def refusals(self, day: str) -> list[dict[str, Any]]:
        return partition_docs(self._table, f"XREFUSED#{day}")

    # — outbound —

    def outbound_item(self, record: dict[str, Any], *, pending: bool, next_attempt: str) -> dict[str, Any]:
        """The Put of an outbound record, for a case transaction or on its own."""
        item: dict[str, Any] = {**outbound_key(record["case"], record["id"]), "doc": _doc(record)}
        if pending:
            item["outbox"] = _s(OUTBOUND_PENDING)
            item["outbox_at"] = _s(next_attempt)
        return {"Item": item}

    def outbound_action(self, record: dict[str, Any], next_attempt: str) -> dict[str, Any]:
        """A pending outbound record as a transaction action of another table's change (the
        catalog's announcements)."""
        return {
            "Put": {
                "TableName": self._table,
                **self.outbound_item(record, pending=True, next_attempt=next_attempt),
            }
        }

    def outbound(self, case: str, message_id: str) -> dict[str, Any] | None:
        item = (
            client("dynamodb").get_item(TableName=self._table, Key=outbound_key(case, message_id)).get("Item")
        )
        return None if item is None else dict(json.loads(item["doc"]["S"]))

    def due_outbound(self, now: str, limit: int) -> list[dict[str, Any]]:
        return due_in_outbox(self._table, OUTBOUND_PENDING, now, limit)

    # — stream positions: per partner, the last message it signed a receipt for —

    def acknowledged(self, record: dict[str, Any]) -> None:
        """Remember `record` as the last message its partner acknowledged, unless a later
        acknowledgement is already kept (deliveries run in parallel)."""
        position = {k: record.get(k) for k in ("id", "case", "seq", "type", "delivered_at")}
        try:
            client("dynamodb").put_item(
                TableName=self._table,
                Item={**_stream_key(record["to"]), "at": _s(record["delivered_at"]), "doc": _doc(position)},
                ConditionExpression="attribute_not_exists(pk) OR #at <= :at",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":at": _s(record["delivered_at"])},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def last_acknowledged(self, partner: str) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=_stream_key(partner)).get("Item")
        return None if item is None else dict(json.loads(item["doc"]["S"]))


def _stream_key(partner: str) -> dict[str, Any]:
    return {"pk": _s(f"XSTREAM#{partner}"), "sk": _s("ACK")}
