"""Cases in DynamoDB (table `<prefix>-cases`, keys pk/sk; docs/storage.md lists the access patterns).

    CASE#<number> / CASE        the case document, its version, and index keys
    CASE#<number> / EV#<seq>    timeline events, each sealed into the case's hash chain
    CASE#<number> / OUT#<id>    outbox: a notice waiting to be delivered (sparse outbox-index)
    CASE#<number> / PRINCIPAL   委托代办: the case again, owned by its principal's holder key (owner-index)
    CASE#<number> / RECT        rectification (整改) opened by a bad rating (rectification-index)
    NOTICE#<owner> / <at>#<id>  notices delivered to an applicant (消息中心)
    QUOTA#<name>#<who> / <window>  a rate counter (reveals per clerk per hour), gone by TTL

Every state change is one TransactWriteItems: the case put on `version = expected`, the events
put on `attribute_not_exists`, the outbox record and any side record. Two acts racing on one
case: one commits, the other gets a 409.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client, due_in_outbox, partition_docs, partition_items, transact
from chalicelib.domain.errors import BadRequest
from chalicelib.services.case_book import CaseRecord, Page

NOT_INDEXED = "-"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def case_pk(number: str) -> dict[str, str]:
    return _s(f"CASE#{number}")


class DynamoCaseStore:
    def __init__(self, table: str) -> None:
        self._table = table

    # — reads —

    def get(self, number: str) -> dict[str, Any] | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key={"pk": case_pk(number), "sk": _s("CASE")})
            .get("Item")
        )
        return None if item is None else dict(json.loads(item["doc"]["S"]))

    def case_with_events(self, number: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The case and its timeline in one query of its partition (outbox and side records skipped)."""
        case: dict[str, Any] | None = None
        events: list[dict[str, Any]] = []
        for item in partition_items(self._table, f"CASE#{number}"):
            sort = item["sk"]["S"]
            if sort == "CASE":
                case = json.loads(item["doc"]["S"])
            elif sort.startswith("EV#"):
                events.append(json.loads(item["doc"]["S"]))
        return case, events

    def events(self, number: str) -> list[dict[str, Any]]:
        return partition_docs(self._table, f"CASE#{number}", "EV#")

    def by_owner(self, owner: str, limit: int, start: dict[str, Any] | None) -> Page:
        return self._query_index(
            "owner-index",
            "owner = :k",
            {":k": _s(owner)},
            limit,
            start,
            newest_first=True,
            index_keys=("owner", "created"),
        )

    def inbox(
        self,
        authority: str,
        limit: int,
        start: dict[str, Any] | None,
        *,
        due_before: str | None,
        state: str | None,
    ) -> Page:
        condition = "inbox = :k"
        values: dict[str, Any] = {":k": _s(authority)}
        if due_before is not None:
            condition += " AND urgency <= :due"
            values[":due"] = _s(f"{due_before}#~")
        return self._query_index("inbox-index", condition, values, limit, start, state=state)

    def due_for_check(self, partition: str, today: str, limit: int, start: dict[str, Any] | None) -> Page:
        return self._query_index(
            "due-index",
            "open_in = :k AND due_key <= :today",
            {":k": _s(partition), ":today": _s(f"{today}#~")},
            limit,
            start,
        )

    def in_partition(self, partition: str, limit: int, start: dict[str, Any] | None) -> Page:
        return self._query_index("due-index", "open_in = :k", {":k": _s(partition)}, limit, start)

    def _query_index(
        self,
        index: str,
        condition: str,
        values: dict[str, Any],
        limit: int,
        start: dict[str, Any] | None,
        *,
        newest_first: bool = False,
        state: str | None = None,
        index_keys: tuple[str, ...] = (),
    ) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": dict(values),
            "Limit": limit,
            "ScanIndexForward": not newest_first,
        }
        if state is not None:
            kwargs["FilterExpression"] = "#state = :state"
            kwargs["ExpressionAttributeNames"] = {"#state": "state"}
            kwargs["ExpressionAttributeValues"][":state"] = _s(state)
        return _page(kwargs, start, index_keys)

    # — writes —

    def commit(
        self,
        record: CaseRecord,
        *,
        expected_version: int,
        events: Sequence[dict[str, Any]] = (),
        outbox: Sequence[dict[str, Any]] = (),
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Write the case (new when expected_version is 0), its events, outbox and side records at once."""
        self.commit_many([(record, expected_version, events, outbox)], extra=extra)

    def commit_many(
        self,
        cases: Sequence[tuple[CaseRecord, int, Sequence[dict[str, Any]], Sequence[dict[str, Any]]]],
        *,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Several cases (record, expected version, events, outbox notices) in one transaction."""
        actions: list[dict[str, Any]] = []
        for record, expected_version, events, outbox in cases:
            actions.extend(self._case_actions(record, expected_version, events, outbox))
        # side records are Puts of this table (`{"Item": …}`) or whole actions (`{"Delete": …}`)
        actions.extend(
            side if "Delete" in side else {"Put": {"TableName": self._table, **side}} for side in extra
        )
        transact(actions)

    def _case_actions(
        self,
        record: CaseRecord,
        expected_version: int,
        events: Sequence[dict[str, Any]],
        outbox: Sequence[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        number = record.doc["number"]
        item: dict[str, Any] = {
            "pk": case_pk(number),
            "sk": _s("CASE"),
            "doc": _s(json.dumps(record.doc, ensure_ascii=False)),
            "version": {"N": str(record.doc["version"])},
            "state": _s(record.doc["state"]),
            "owner": _s(record.owner),
            "created": _s(record.created),
            "urgency": _s(record.urgency),
        }
        if record.inbox is not None:
            item["inbox"] = _s(record.inbox)
        if record.due_partition is not None and record.due_key is not None:
            item["open_in"] = _s(record.due_partition)
            item["due_key"] = _s(record.due_key)
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if expected_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        actions: list[dict[str, Any]] = [{"Put": put}]
        if record.principal_owner is not None:
            # written with the case in one transaction, so the principal's list never lags it
            entry = {k: item[k] for k in ("doc", "state", "created")}
            principal = {"pk": case_pk(number), "sk": _s("PRINCIPAL"), "owner": _s(record.principal_owner)}
            actions.append({"Put": {"TableName": self._table, "Item": {**principal, **entry}}})
        actions.extend(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": case_pk(number),
                        "sk": _s(f"EV#{event['seq']:08d}"),
                        "doc": _s(json.dumps(event, ensure_ascii=False)),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for event in events
        )
        actions.extend(
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": case_pk(number),
                        "sk": _s(f"OUT#{notice['id']}"),
                        "doc": _s(json.dumps(notice, ensure_ascii=False)),
                        "outbox": _s("PENDING"),
                        "outbox_at": _s(notice["at"]),
                    },
                }
            }
            for notice in outbox
        )
        return actions

    # — outbox and notices —

    def pending_outbox(self, older_than: str, limit: int) -> list[dict[str, Any]]:
        return due_in_outbox(self._table, "PENDING", older_than, limit, inclusive=False)

    def deliver_notice(self, notice: dict[str, Any]) -> None:
        """Store the notice for its recipient (once) and clear its outbox record, together."""
        client("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            "pk": _s(f"NOTICE#{notice['recipient']}"),
                            "sk": _s(f"{notice['at']}#{notice['id']}"),
                            "doc": _s(json.dumps(notice, ensure_ascii=False)),
                        },
                    }
                },
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": {"pk": case_pk(notice["case"]), "sk": _s(f"OUT#{notice['id']}")},
                    }
                },
            ]
        )

    def notices(self, recipient: str, limit: int, start: dict[str, Any] | None) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(f"NOTICE#{recipient}")},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        return _page(kwargs, start)

    # — joint cases: coordination marks (sparse outbox-index `XCOORD`) —

    def coordination_mark(self, parent: str, due: str) -> dict[str, Any]:
        """A side record: the joint case `parent` is to be coordinated (again) from `due` on."""
        key = {"pk": case_pk(parent), "sk": _s("COORD")}
        return {
            "Item": {
                **key,
                "doc": _s(json.dumps({"case": parent})),
                "outbox": _s("XCOORD"),
                "outbox_at": _s(due),
            }
        }

    def coordination_unmark(self, parent: str) -> dict[str, Any]:
        return {"Delete": {"TableName": self._table, "Key": {"pk": case_pk(parent), "sk": _s("COORD")}}}

    def coordination_due(self, now: str, limit: int) -> list[str]:
        return [str(doc["case"]) for doc in due_in_outbox(self._table, "XCOORD", now, limit)]

    # — rate counters —

    def take_quota(self, name: str, who: str, window: str, limit: int, expires_at: int) -> bool:
        """Count one use of `name` by `who` in `window`; False (nothing counted) when `limit` is reached.

        One conditional UpdateItem, so concurrent requests of one caller cannot overshoot."""
        try:
            client("dynamodb").update_item(
                TableName=self._table,
                Key={"pk": _s(f"QUOTA#{name}#{who}"), "sk": _s(window)},
                UpdateExpression="ADD used :one SET expires_at = if_not_exists(expires_at, :expires)",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(expires_at)},
                },
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # — shipments (资料寄递) —

    def shipment_item(self, shipment: dict[str, Any]) -> dict[str, Any]:
        """The side record of a shipment for `commit(extra=…)`."""
        key = {"pk": case_pk(shipment["case"]), "sk": _s(f"SHIP#{shipment['id']}")}
        return {"Item": {**key, "doc": _s(json.dumps(shipment, ensure_ascii=False))}}

    def shipments(self, number: str) -> list[dict[str, Any]]:
        return partition_docs(self._table, f"CASE#{number}", "SHIP#")

    # — rectifications (整改) —

    def rectification_item(self, rect: dict[str, Any], *, new: bool) -> dict[str, Any]:
        """The side record for `commit(extra=…)`: open ones are indexed by province, due first."""
        item: dict[str, Any] = {
            "pk": case_pk(rect["case"]),
            "sk": _s("RECT"),
            "doc": _s(json.dumps(rect, ensure_ascii=False)),
            "rect_of": _s(rect["province"]),
            "rect_due": _s(f"{rect['status']}#{rect['due']}#{rect['case']}"),
            "authority": _s(rect["authority"]),
        }
        side: dict[str, Any] = {"Item": item}
        if new:
            side["ConditionExpression"] = "attribute_not_exists(pk)"
        return side

    def rectification(self, number: str) -> dict[str, Any] | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key={"pk": case_pk(number), "sk": _s("RECT")})
            .get("Item")
        )
        return None if item is None else dict(json.loads(item["doc"]["S"]))

    def rectifications(
        self, province: str, status: str, authority: str | None, limit: int, start: dict[str, Any] | None
    ) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "rectification-index",
            "KeyConditionExpression": "rect_of = :p AND begins_with(rect_due, :s)",
            "ExpressionAttributeValues": {":p": _s(province), ":s": _s(f"{status}#")},
            "Limit": limit,
        }
        if authority is not None:
            kwargs["FilterExpression"] = "authority = :a"
            kwargs["ExpressionAttributeValues"][":a"] = _s(authority)
        return _page(kwargs, start)


def _page(kwargs: dict[str, Any], start: dict[str, Any] | None, index_keys: tuple[str, ...] = ()) -> Page:
    """One page of a query; a start key that DynamoDB refuses is the client's bad cursor, a 400.
    With `index_keys`, each item's position (table and index keys) comes along, to resume after it."""
    if start is not None:
        kwargs["ExclusiveStartKey"] = start
    try:
        page = client("dynamodb").query(**kwargs)
    except ClientError as err:
        if start is not None and err.response["Error"]["Code"] == "ValidationException":
            raise BadRequest("invalid_cursor") from None
        raise
    items = page["Items"]
    positions = [{k: i[k] for k in ("pk", "sk", *index_keys)} for i in items] if index_keys else []
    return Page([json.loads(i["doc"]["S"]) for i in items], page.get("LastEvaluatedKey"), positions)
