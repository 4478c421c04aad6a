"""An applicant's notices (消息中心) read by time, and how far they have read them, in DynamoDB.

    NOTICE#<owner> / <at>#<id>     the notices (adapters/case_store.py writes them)
    NOTICEREAD#<owner> / READ      the read mark: every notice at or before `up_to` is read

One read mark per applicant rather than a flag per notice: marking read is one write whatever
the number of notices, and a notice delivered later with an older time than the mark counts as
read (it was already superseded by what the applicant saw).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.case_store import _page
from chalicelib.services.case_book import Page

AFTER_ALL_IDS = "#~"  # sorts after `#<id>` of every notice at the same second ("~" > id characters)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class DynamoNoticeReads:
    def __init__(self, table: str) -> None:
        self._table = table

    def notices(self, recipient: str, since: str | None, limit: int, start: dict[str, Any] | None) -> Page:
        """Newest first; with `since`, only those later than it."""
        condition = "pk = :pk"
        values = {":pk": _s(f"NOTICE#{recipient}")}
        if since is not None:
            condition += " AND sk > :since"
            values[":since"] = _s(since + AFTER_ALL_IDS)
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        return _page(kwargs, start)

    def unread(self, recipient: str, read_up_to: str | None, cap: int) -> int:
        """How many notices are later than the read mark (counted up to `cap`)."""
        condition = "pk = :pk"
        values = {":pk": _s(f"NOTICE#{recipient}")}
        if read_up_to is not None:
            condition += " AND sk > :mark"
            values[":mark"] = _s(read_up_to + AFTER_ALL_IDS)
        answer = client("dynamodb").query(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Select="COUNT",
            Limit=cap,
        )
        return int(answer["Count"])

    def read_up_to(self, recipient: str) -> str | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self._table, Key={"pk": _s(f"NOTICEREAD#{recipient}"), "sk": _s("READ")})
            .get("Item")
        )
        return None if item is None else str(json.loads(item["doc"]["S"])["up_to"])

    def mark_read(self, recipient: str, up_to: str) -> None:
        """Move the read mark forward to `up_to` (never back: a stale request changes nothing)."""
        from botocore.exceptions import ClientError

        try:
            client("dynamodb").put_item(
                TableName=self._table,
                Item={
                    "pk": _s(f"NOTICEREAD#{recipient}"),
                    "sk": _s("READ"),
                    "doc": _s(json.dumps({"up_to": up_to})),
                    "up_to": _s(up_to),
                },
                ConditionExpression="attribute_not_exists(up_to) OR up_to < :up_to",
                ExpressionAttributeValues={":up_to": _s(up_to)},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
