"""Cases in DynamoDB (table `<prefix>-cases`, keys pk/sk; docs/storage.md lists the access patterns).

    CASE#<number> / CASE        the case document, its version, and index keys
    CASE#<number> / EV#<seq>    timeline events, each sealed into the case's hash chain
    CASE#<number> / OUT#<id>    outbox: a notice waiting to be delivered (sparse outbox-index)
    CASE#<number> / PRINCIPAL   委托代办: the case again, owned by its principal's holder key (owner-index)
    CASE#<number> / RECT        rectification (整改) opened by a bad rating (rectification-index)
    NOTICE#<owner> / <at>#<id>  notices delivered to an applicant (消息中心)
    QUOTA#<name>#<who> / <window>  a rate counter (reveals per clerk per hour), gone by TTL

    CASE#<number> / SHIP#<id>   a shipment (资料寄递)
    CASE#<number> / COORD       a joint case waiting for coordination (sparse outbox-index `XCOORD`)

Three faces of the one table, each as narrow as its users:
- `DynamoCaseRepository`, the write side (services/case_book.CaseRepository): a case by number, its
  events, and `commit`. Every state change is one TransactWriteItems: each case put on
  `version = expected` (`attribute_not_exists` when new), its events put on `attribute_not_exists`,
  its outbox records and the side records, which it turns into items here. Two acts racing on one
  case: one commits, the other gets a 409.
- `DynamoCaseQueries`, the read side (services/case_queries.CaseReads): owner, inbox, due and
  rectification indexes, a case with its timeline, shipments, coordination marks due.
- `DynamoNoticeOutbox` (the notice relay and delivery) and `DynamoQuotas` (rate counters).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client, due_in_outbox, partition_docs, partition_items, transact
from chalicelib.domain.errors import BadRequest
from chalicelib.services.case_book import (
    CaseWrite,
    CoordinationDone,
    CoordinationMark,
    Extra,
    Page,
    RectificationRecord,
    ShipmentRecord,
)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def case_pk(number: str) -> dict[str, str]:
    return _s(f"CASE#{number}")


class DynamoCaseRepository:
    """The write side: what loading and saving a case needs (services/case_book.CaseRepository)."""

    def __init__(self, table: str) -> None:
        self._table = table

    def get(self, number: str) -> dict[str, Any] | None:
        return _case_doc(self._table, number)

    def events(self, number: str) -> list[dict[str, Any]]:
        return partition_docs(self._table, f"CASE#{number}", "EV#")

    def commit(self, cases: Sequence[CaseWrite], *, extra: Sequence[Extra] = ()) -> None:
        """Several cases (record, expected version, events, outbox notices) and the side records in
        one transaction."""
        actions: list[dict[str, Any]] = []
        for write in cases:
            actions.extend(self._case_actions(write))
        actions.extend(self._side_action(side) for side in extra)
        transact(actions)

    def _side_action(self, side: Extra) -> dict[str, Any]:
        """A side record as a transaction action; an item another store built is a Put of this
        table (`{"Item": …}`) or a whole action (`{"Delete": …}`)."""
        if isinstance(side, ShipmentRecord):
            shipment = side.shipment
            key = {"pk": case_pk(shipment["case"]), "sk": _s(f"SHIP#{shipment['id']}")}
            return self._put({**key, "doc": _json(shipment)})
        if isinstance(side, RectificationRecord):
            return self._rectification_put(side.rectification, new=side.new)
        if isinstance(side, CoordinationMark):
            key = {"pk": case_pk(side.parent), "sk": _s("COORD")}
            doc = _s(json.dumps({"case": side.parent}))
            return self._put({**key, "doc": doc, "outbox": _s("XCOORD"), "outbox_at": _s(side.due)})
        if isinstance(side, CoordinationDone):
            key = {"pk": case_pk(side.parent), "sk": _s("COORD")}
            return {"Delete": {"TableName": self._table, "Key": key}}
        return side if "Delete" in side else {"Put": {"TableName": self._table, **side}}

    def _put(self, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if condition is not None:
            put["ConditionExpression"] = condition
        return {"Put": put}

    def _rectification_put(self, rect: dict[str, Any], *, new: bool) -> dict[str, Any]:
        """Open ones are indexed by province, due first (rectification-index)."""
        item: dict[str, Any] = {
            "pk": case_pk(rect["case"]),
            "sk": _s("RECT"),
            "doc": _json(rect),
            "rect_of": _s(rect["province"]),
            "rect_due": _s(f"{rect['status']}#{rect['due']}#{rect['case']}"),
            "authority": _s(rect["authority"]),
        }
        return self._put(item, "attribute_not_exists(pk)" if new else None)

    def _case_actions(self, write: CaseWrite) -> list[dict[str, Any]]:
        record, expected_version = write.record, write.expected_version
        number = record.doc["number"]
        item: dict[str, Any] = {
            "pk": case_pk(number),
            "sk": _s("CASE"),
            "doc": _json(record.doc),
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
            actions.append(self._put({**principal, **entry}))
        actions.extend(
            self._put(
                {"pk": case_pk(number), "sk": _s(f"EV#{event['seq']:08d}"), "doc": _json(event)},
                "attribute_not_exists(pk)",
            )
            for event in write.events
        )
        actions.extend(
            self._put(
                {
                    "pk": case_pk(number),
                    "sk": _s(f"OUT#{notice['id']}"),
                    "doc": _json(notice),
                    "outbox": _s("PENDING"),
                    "outbox_at": _s(notice["at"]),
                }
            )
            for notice in write.notices
        )
        return actions


class DynamoCaseQueries:
    """The read side: lists and views of cases (services/case_queries.CaseReads)."""

    def __init__(self, table: str) -> None:
        self._table = table

    def get(self, number: str) -> dict[str, Any] | None:
        return _case_doc(self._table, number)

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

    def coordination_due(self, now: str, limit: int) -> list[str]:
        return [str(doc["case"]) for doc in due_in_outbox(self._table, "XCOORD", now, limit)]

    def shipments(self, number: str) -> list[dict[str, Any]]:
        return partition_docs(self._table, f"CASE#{number}", "SHIP#")

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


class DynamoNoticeOutbox:
    """Notices on their way to applicants: the outbox records the relay resends, and delivery."""

    def __init__(self, table: str) -> None:
        self._table = table

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
                            "doc": _json(notice),
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


class DynamoQuotas:
    """Rate counters (reveals per clerk, public lookups per address and per case), gone by TTL."""

    def __init__(self, table: str) -> None:
        self._table = table

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


def _case_doc(table: str, number: str) -> dict[str, Any] | None:
    item = (
        client("dynamodb")
        .get_item(TableName=table, Key={"pk": case_pk(number), "sk": _s("CASE")})
        .get("Item")
    )
    return None if item is None else dict(json.loads(item["doc"]["S"]))


def _json(doc: dict[str, Any]) -> dict[str, str]:
    return _s(json.dumps(doc, ensure_ascii=False))


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
