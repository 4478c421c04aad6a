"""The SQS queues the services send to: applicant notices, inbound exchange messages (FIFO per
case), outbound exchange messages."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.adapters.aws import client


class _Queue:
    def __init__(self, queue_name: str) -> None:
        self._name = queue_name

    @cached_property
    def url(self) -> str:
        return str(client("sqs").get_queue_url(QueueName=self._name)["QueueUrl"])


class SqsNoticeQueue(_Queue):
    """Notices for applicants, sent after their outbox record committed."""

    def send(self, notice: dict[str, Any]) -> None:
        client("sqs").send_message(QueueUrl=self.url, MessageBody=json.dumps(notice, ensure_ascii=False))


class SqsInboundQueue(_Queue):
    """Received messages, in order per case: group = case number, deduplication id = message id."""

    def send(self, case: str, message_id: str) -> None:
        client("sqs").send_message(
            QueueUrl=self.url,
            MessageBody=json.dumps({"id": message_id, "case": case}),
            MessageGroupId=case,
            MessageDeduplicationId=message_id,
        )


class SqsOutboundQueue(_Queue):
    """Messages to deliver to partners (the record is in the outbox; the queue carries its key)."""

    def send(self, case: str, message_id: str) -> None:
        client("sqs").send_message(
            QueueUrl=self.url, MessageBody=json.dumps({"id": message_id, "case": case})
        )
