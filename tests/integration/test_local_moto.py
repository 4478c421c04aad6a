"""The local stack's moto server keeps every DynamoDB write that committed.

moto's `TransactWriteItems` rolls a failed transaction back by putting back a copy of each table it
wrote, taken before it ran; on the threaded server that copy also undid the writes other requests
committed meanwhile. The stack serialises DynamoDB requests so that a transaction that loses a race
(a catalog snapshot written by a local publish and a partner's replicated version at once) cannot
erase the winner's write.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import boto3
import pytest
from moto.dynamodb.responses import DynamoHandler

from infra.local.processes import free_port
from infra.local.stack import start_moto

WRITES = 120


def _client(port: int) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_a_failed_transaction_does_not_undo_writes_committed_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DynamoHandler, "call_action", DynamoHandler.call_action)  # undone after the test
    port = free_port()
    server = start_moto(port)
    try:
        dynamodb = _client(port)
        dynamodb.create_table(
            TableName="race",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in range(200):  # a table worth copying: the copy is what a rollback puts back
            dynamodb.put_item(TableName="race", Item={"pk": {"S": f"fill-{n}"}, "v": {"S": "x" * 200}})

        def commit_each() -> None:
            own = _client(port)
            for n in range(WRITES):
                own.transact_write_items(
                    TransactItems=[{"Put": {"TableName": "race", "Item": {"pk": {"S": f"won-{n}"}}}}]
                )

        def lose_each() -> None:
            own = _client(port)
            for _ in range(WRITES):
                with contextlib.suppress(own.exceptions.TransactionCanceledException):
                    own.transact_write_items(
                        TransactItems=[
                            {
                                "Put": {
                                    "TableName": "race",
                                    "Item": {"pk": {"S": "fill-0"}},
                                    "ConditionExpression": "attribute_not_exists(pk)",
                                }
                            }
                        ]
                    )

        racers = [threading.Thread(target=commit_each), threading.Thread(target=lose_each)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=120)
        kept = [
            n
            for n in range(WRITES)
            if "Item" in dynamodb.get_item(TableName="race", Key={"pk": {"S": f"won-{n}"}})
        ]
        assert len(kept) == WRITES
    finally:
        server.stop()
