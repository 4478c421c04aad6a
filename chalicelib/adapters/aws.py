"""Lazily created AWS clients, shared by the adapters of one process.

boto3 honours AWS_ENDPOINT_URL, which the local stack points at moto's server, so no adapter
knows whether it talks to AWS or to moto.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
# S3 presigns with SigV4 so the URLs can bind headers (content type, checksum, length).
_SERVICE_CONFIG = {"s3": _CONFIG.merge(Config(signature_version="s3v4"))}


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_SERVICE_CONFIG.get(service, _CONFIG))


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    client.cache_clear()


def transact(actions: list[dict[str, Any]], conflict: str = "concurrent_modification") -> None:
    """One DynamoDB transaction; a failed condition (someone got there first) is a 409 `conflict`."""
    from botocore.exceptions import ClientError

    from chalicelib.domain.errors import Conflict

    try:
        client("dynamodb").transact_write_items(TransactItems=actions)
    except ClientError as err:
        if err.response["Error"]["Code"] == "TransactionCanceledException":
            raise Conflict(conflict) from None
        raise


def put_new(table: str, item: dict[str, Any]) -> bool:
    """Put `item` unless its key is held already: True if it was put, False if it was there."""
    from botocore.exceptions import ClientError

    try:
        client("dynamodb").put_item(
            TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)"
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def partition_items(table: str, pk: str, prefix: str | None = None) -> list[dict[str, Any]]:
    """Every item of a partition (whose sort key starts with `prefix`), all pages of one Query."""
    condition, values = "pk = :pk", {":pk": {"S": pk}}
    if prefix is not None:
        condition += " AND begins_with(sk, :prefix)"
        values[":prefix"] = {"S": prefix}
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(TableName=table, KeyConditionExpression=condition, ExpressionAttributeValues=values)
    )
    return [item for page in pages for item in page["Items"]]


def partition_docs(table: str, pk: str, prefix: str | None = None) -> list[dict[str, Any]]:
    """The JSON documents (`doc`) of a partition's items."""
    import json

    return [json.loads(item["doc"]["S"]) for item in partition_items(table, pk, prefix)]


def due_in_outbox(
    table: str, kind: str, until: str, limit: int, *, inclusive: bool = True
) -> list[dict[str, Any]]:
    """The documents waiting in the sparse outbox index under `kind` whose time has come."""
    import json

    page = client("dynamodb").query(
        TableName=table,
        IndexName="outbox-index",
        KeyConditionExpression=f"outbox = :kind AND outbox_at {'<=' if inclusive else '<'} :until",
        ExpressionAttributeValues={":kind": {"S": kind}, ":until": {"S": until}},
        Limit=limit,
    )
    return [json.loads(item["doc"]["S"]) for item in page["Items"]]
