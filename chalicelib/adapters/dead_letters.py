"""Dead-letter queues as operators see them: look at what is there, and move it back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from chalicelib.adapters.aws import client

BATCH = 10


def _url(name: str) -> str:
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


class SqsDeadLetters:
    def peek(self, dlq: str, limit: int = BATCH) -> list[dict[str, Any]]:
        """Messages on a dead-letter queue, left there (visible again at once)."""
        got = (
            client("sqs")
            .receive_message(
                QueueUrl=_url(dlq),
                MaxNumberOfMessages=min(limit, BATCH),
                VisibilityTimeout=0,
                AttributeNames=["All"],
            )
            .get("Messages", [])
        )
        return [
            {
                "message_id": m["MessageId"],
                "body": _body(m["Body"]),
                "receive_count": int(m["Attributes"].get("ApproximateReceiveCount", "0")),
                "sent_at": int(m["Attributes"].get("SentTimestamp", "0")),
            }
            for m in got
        ]

    def drain(self, dlq: str, handle: Callable[[dict[str, Any]], None], limit: int = 100) -> int:
        """Hand each message to `handle` and delete it once handled; returns how many moved."""
        sqs, url, moved = client("sqs"), _url(dlq), 0
        while moved < limit:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH, VisibilityTimeout=30).get(
                "Messages", []
            )
            if not got:
                break
            for message in got:
                handle(_body(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved

    def send(self, queue: str, body: dict[str, Any], *, group: str | None = None) -> None:
        extra: dict[str, Any] = {}
        if group is not None:  # a FIFO queue: a fresh deduplication id, the consumer is idempotent
            extra = {"MessageGroupId": group, "MessageDeduplicationId": f"redrive-{uuid.uuid4()}"}
        client("sqs").send_message(
            QueueUrl=_url(queue), MessageBody=json.dumps(body, ensure_ascii=False), **extra
        )


def _body(raw: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {"raw": raw[:500]}
    return parsed if isinstance(parsed, dict) else {"raw": parsed}
