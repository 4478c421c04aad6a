"""The notifications queue: notices for applicants, sent after their outbox record committed."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.adapters.aws import client


class SqsNoticeQueue:
    def __init__(self, queue_name: str) -> None:
        self._name = queue_name

    @cached_property
    def url(self) -> str:
        return str(client("sqs").get_queue_url(QueueName=self._name)["QueueUrl"])

    def send(self, notice: dict[str, Any]) -> None:
        client("sqs").send_message(QueueUrl=self.url, MessageBody=json.dumps(notice, ensure_ascii=False))
