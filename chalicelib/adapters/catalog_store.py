"""The catalog in DynamoDB (table `<prefix>-catalog`, keys pk/sk).

    ITEM#<code> / HEAD        version in force, its definition, status decisions
    ITEM#<code> / V#<000001>  every published version, kept for the cases opened under it
    CATALOG     / SNAPSHOT    compact entries of all items (zlib JSON) and a revision
    CATALOG     / SEQ         this province's catalog stream: the seq of its last announcement
    CALENDAR    / YEAR#<yyyy> a published working-day calendar

Documents are stored as JSON strings: no float/Decimal conversions, and a record is read back
exactly as it was written.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any

from chalicelib.adapters.aws import client, partition_docs, put_new, transact
from chalicelib.services.catalog import Head, Snapshot

SNAPSHOT_KEY = {"pk": {"S": "CATALOG"}, "sk": {"S": "SNAPSHOT"}}
SEQ_KEY = {"pk": {"S": "CATALOG"}, "sk": {"S": "SEQ"}}


def _item_key(code: str, sort: str) -> dict[str, Any]:
    return {"pk": {"S": f"ITEM#{code}"}, "sk": {"S": sort}}


def _version_sort(version: int) -> str:
    return f"V#{version:06d}"


class DynamoCatalogStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def head(self, code: str) -> Head | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=_item_key(code, "HEAD"))
        record = item.get("Item")
        if record is None:
            return None
        return Head(
            code=code,
            version=int(record["version"]["N"]),
            definition=json.loads(record["definition"]["S"]),
            published_at=record["published_at"]["S"],
            status_changes=json.loads(record["status_changes"]["S"]),
            publisher=record["publisher"]["S"] if "publisher" in record else None,
        )

    def version(self, code: str, version: int) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=_item_key(code, _version_sort(version)))
        record = item.get("Item")
        return None if record is None else dict(json.loads(record["doc"]["S"]))

    def snapshot(self) -> Snapshot:
        item = client("dynamodb").get_item(TableName=self._table, Key=SNAPSHOT_KEY).get("Item")
        if item is None:
            return Snapshot(0, {})
        entries = json.loads(zlib.decompress(item["entries"]["B"]))
        return Snapshot(int(item["revision"]["N"]), entries)

    def save(
        self,
        head: Head,
        *,
        previous_version: int,
        new_version_doc: dict[str, Any] | None,
        snapshot: Snapshot,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Write head, new version and snapshot together (with `extra` actions: the outbox of the
        announcement), or nothing if anyone got there first."""
        actions: list[dict[str, Any]] = list(extra)
        if new_version_doc is not None:
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            **_item_key(head.code, _version_sort(head.version)),
                            "doc": {"S": json.dumps(new_version_doc, ensure_ascii=False)},
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        head_condition = "attribute_not_exists(pk)" if previous_version == 0 else "version = :previous"
        head_put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                **_item_key(head.code, "HEAD"),
                "version": {"N": str(head.version)},
                "definition": {"S": json.dumps(head.definition, ensure_ascii=False)},
                "published_at": {"S": head.published_at},
                "status_changes": {"S": json.dumps(head.status_changes, ensure_ascii=False)},
                **({"publisher": {"S": head.publisher}} if head.publisher else {}),
            },
            "ConditionExpression": head_condition,
        }
        if previous_version:
            head_put["ExpressionAttributeValues"] = {":previous": {"N": str(previous_version)}}
        actions.append({"Put": head_put})
        blob = zlib.compress(json.dumps(snapshot.entries, ensure_ascii=False).encode("utf-8"))
        snapshot_put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**SNAPSHOT_KEY, "revision": {"N": str(snapshot.revision + 1)}, "entries": {"B": blob}},
            "ConditionExpression": (
                "attribute_not_exists(pk)" if snapshot.revision == 0 else "revision = :revision"
            ),
        }
        if snapshot.revision:
            snapshot_put["ExpressionAttributeValues"] = {":revision": {"N": str(snapshot.revision)}}
        actions.append({"Put": snapshot_put})
        transact(actions)

    def put_version(self, doc: dict[str, Any]) -> None:
        """Keep a version fetched from a partner for the cases that use it (head unchanged); a version
        held already stays as it is (versions never change)."""
        put_new(
            self._table,
            {
                **_item_key(doc["code"], _version_sort(int(doc["version"]))),
                "doc": {"S": json.dumps(doc, ensure_ascii=False)},
            },
        )

    # — this province's catalog stream —

    def stream_seq(self) -> int:
        item = client("dynamodb").get_item(TableName=self._table, Key=SEQ_KEY).get("Item")
        return 0 if item is None else int(item["seq"]["N"])

    def stream_seq_action(self, seq: int) -> dict[str, Any]:
        """The Put moving the stream to `seq` (from seq - 1), for the change's transaction."""
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**SEQ_KEY, "seq": {"N": str(seq)}},
            "ConditionExpression": "attribute_not_exists(pk)" if seq == 1 else "seq = :previous",
        }
        if seq > 1:
            put["ExpressionAttributeValues"] = {":previous": {"N": str(seq - 1)}}
        return {"Put": put}

    # — calendar —

    def calendar(self, year: int) -> dict[str, Any] | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key={"pk": {"S": "CALENDAR"}, "sk": {"S": f"YEAR#{year}"}})
            .get("Item")
        )
        return None if item is None else dict(json.loads(item["doc"]["S"]))

    def calendars(self) -> list[dict[str, Any]]:
        """Every published year, in one query (a handful of small records)."""
        return partition_docs(self._table, "CALENDAR")

    def put_calendar(self, year: int, doc: dict[str, Any]) -> None:
        client("dynamodb").put_item(
            TableName=self._table,
            Item={
                "pk": {"S": "CALENDAR"},
                "sk": {"S": f"YEAR#{year}"},
                "doc": {"S": json.dumps(doc, ensure_ascii=False)},
            },
        )
