"""The local event pump against moto's server: what is deleted, what comes back, what ends in the
dead-letter queue, FIFO order, and schedules — driven step by step with `poll_once`/`fire_due`."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.processes import free_port
from infra.local.pump import Pump, PumpError, reported_failures
from tests.fixtures import pump_app

ROOT = Path(__file__).resolve().parents[2]
REGION = "cn-north-1"
MAX_RECEIVES = 3


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def sqs(moto_url: str) -> Any:
    return boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _create(sqs: Any, name: str, fifo: bool) -> str:
    fifo_attributes = {"FifoQueue": "true"} if fifo else {}
    stem = name.removesuffix(".fifo")
    dlq = sqs.create_queue(QueueName=f"{stem}-dlq{'.fifo' if fifo else ''}", Attributes=fifo_attributes)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES})
    queue = sqs.create_queue(
        QueueName=name, Attributes={**fifo_attributes, "VisibilityTimeout": "30", "RedrivePolicy": redrive}
    )
    url: str = queue["QueueUrl"]
    return url


@pytest.fixture
def queues(sqs: Any) -> dict[str, str]:
    """Fresh queues (with DLQs) for the fixture app's handlers, and an empty record."""
    for url in sqs.list_queues(QueueNamePrefix="pump-fixture").get("QueueUrls", []):
        sqs.delete_queue(QueueUrl=url)
    pump_app.PROCESSED.clear()
    jobs = _create(sqs, pump_app.STANDARD_QUEUE, fifo=False)
    orders = _create(sqs, pump_app.FIFO_QUEUE, fifo=True)
    dlq = sqs.get_queue_url(QueueName="pump-fixture-jobs-dlq")["QueueUrl"]
    return {"jobs": jobs, "orders": orders, "jobs_dlq": dlq}


def make_pump(sqs: Any, retry_after: int = 0, start: datetime | None = None) -> Pump:
    return Pump(
        pump_app.app,
        module=pump_app,
        sqs=sqs,
        region=REGION,
        wait_seconds=0,
        retry_after=retry_after,
        start=start,
    )


def send(sqs: Any, url: str, body: dict[str, Any], group: str | None = None) -> str:
    extra = {"MessageGroupId": group, "MessageDeduplicationId": body["id"]} if group else {}
    message_id: str = sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body), **extra)["MessageId"]
    return message_id


def left_in(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def done(queue: str) -> list[str]:
    return [e["id"] for e in pump_app.PROCESSED if e.get("queue") == queue and e["ok"]]


def test_successes_are_deleted_and_failures_come_back(sqs: Any, queues: dict[str, str]) -> None:
    pump = make_pump(sqs)
    send(sqs, queues["jobs"], {"id": "a"})
    failing = send(sqs, queues["jobs"], {"id": "b", "fail": 1})
    send(sqs, queues["jobs"], {"id": "c"})

    (outcome,) = pump.poll_once()
    assert (outcome.received, outcome.deleted, outcome.failed) == (3, 2, frozenset({failing}))
    assert sorted(done("jobs")) == ["a", "c"]
    assert left_in(sqs, queues["jobs"]) == 1

    (again,) = pump.poll_once()
    assert (again.received, again.deleted, again.failed) == (1, 1, frozenset())
    assert sorted(done("jobs")) == ["a", "b", "c"]
    assert [e["attempt"] for e in pump_app.PROCESSED if e["id"] == "b"] == [1, 2]
    assert left_in(sqs, queues["jobs"]) == 0
    assert pump.poll_once() == []


def test_a_handler_that_raises_deletes_nothing(sqs: Any, queues: dict[str, str]) -> None:
    pump = make_pump(sqs)
    sent = {send(sqs, queues["jobs"], {"id": "x", "raise": 1}), send(sqs, queues["jobs"], {"id": "y"})}

    (outcome,) = pump.poll_once()
    assert outcome.failed == sent and outcome.deleted == 0
    assert outcome.error is not None and outcome.error.startswith("RuntimeError at pump_app.py:")
    assert left_in(sqs, queues["jobs"]) == 2

    (again,) = pump.poll_once()
    assert (again.received, again.deleted, again.error) == (2, 2, None)
    assert left_in(sqs, queues["jobs"]) == 0


def test_a_poison_message_ends_in_the_dead_letter_queue(sqs: Any, queues: dict[str, str]) -> None:
    pump = make_pump(sqs)
    poison = send(sqs, queues["jobs"], {"id": "p", "fail": pump_app.ALWAYS})

    for _ in range(MAX_RECEIVES):
        (outcome,) = pump.poll_once()
        assert outcome.failed == {poison}
    # moto's server, like SQS, moves it on the receive after maxReceiveCount
    assert pump.poll_once() == []
    assert left_in(sqs, queues["jobs"]) == 0
    dead = sqs.receive_message(QueueUrl=queues["jobs_dlq"], MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in dead] == [poison]
    assert [e["attempt"] for e in pump_app.PROCESSED] == [1, 2, 3]


def test_fifo_keeps_group_order_and_blocks_a_group_after_a_failure(sqs: Any, queues: dict[str, str]) -> None:
    pump = make_pump(sqs, retry_after=1)
    orders = queues["orders"]
    batch: list[tuple[dict[str, Any], str]] = [
        ({"id": "A1"}, "A"),
        ({"id": "A2", "fail": 1}, "A"),
        ({"id": "A3"}, "A"),
        ({"id": "B1"}, "B"),
        ({"id": "B2"}, "B"),
    ]
    for body, group in batch:
        send(sqs, orders, body, group)

    (first,) = pump.poll_once()
    # A3 ran nowhere, yet is kept: it must not be deleted behind A2's failure
    assert (first.received, first.deleted, len(first.failed)) == (5, 3, 2)
    assert done("orders") == ["A1", "B1", "B2"]

    send(sqs, orders, {"id": "A4"}, "A")
    send(sqs, orders, {"id": "B3"}, "B")
    (second,) = pump.poll_once()  # group A waits for A2; group B goes on
    assert second.received == 1
    assert done("orders") == ["A1", "B1", "B2", "B3"]

    time.sleep(1.1)  # retry_after
    for _ in range(10):  # moto may need a round to hand A2 back first; the pump defers A3, A4 meanwhile
        if not pump.poll_once():
            break
    processed = done("orders")
    assert [i for i in processed if i.startswith("A")] == ["A1", "A2", "A3", "A4"]
    assert [i for i in processed if i.startswith("B")] == ["B1", "B2", "B3"]
    assert left_in(sqs, orders) == 0


def test_schedules_fire_with_a_scheduled_event(sqs: Any, queues: dict[str, str]) -> None:
    pump = make_pump(sqs, start=datetime(2024, 1, 1, 2, 29, 10, tzinfo=UTC))

    assert pump.fire_due(datetime(2024, 1, 1, 2, 29, 59, tzinfo=UTC)) == []
    (nightly,) = pump.fire_due(datetime(2024, 1, 1, 2, 30, 0, 300000, tzinfo=UTC))
    (minute,) = pump.fire_due(datetime(2024, 1, 1, 2, 30, 10, tzinfo=UTC))
    assert (nightly.source, nightly.error, minute.source, minute.error) == (
        "nightly",
        None,
        "every_minute",
        None,
    )

    first, second = pump_app.PROCESSED
    assert first["schedule"] == "nightly" and first["time"] == "2024-01-01T02:30:00Z"
    assert first["detail_type"] == "Scheduled Event" and first["source"] == "aws.events"
    assert first["resources"] == ["arn:aws-cn:events:cn-north-1:123456789012:rule/pump-fixture-local-nightly"]
    assert first["function"] == "pump-fixture-local-nightly" and first["remaining_ms"] > 0
    assert second["schedule"] == "every_minute" and second["time"] == "2024-01-01T02:30:10Z"


def test_a_missing_queue_is_a_clear_error(sqs: Any, queues: dict[str, str]) -> None:
    sqs.delete_queue(QueueUrl=queues["orders"])
    with pytest.raises(PumpError, match=r"queue pump-fixture-orders\.fifo of handler orders does not exist"):
        make_pump(sqs)


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": [{"itemIdentifier": "elsewhere"}]}, None),
        ({"batchItemFailures": [{}]}, None),
        ({"batchItemFailures": "m1"}, None),
    ],
)
def test_batch_item_failures_are_read_as_lambda_does(response: Any, failed: set[str] | None) -> None:
    assert reported_failures(response, ["m1", "m2"]) == failed


def test_the_pump_process_delivers_and_stops_on_sigterm(
    moto_url: str, sqs: Any, queues: dict[str, str], tmp_path: Path
) -> None:
    record = tmp_path / "processed.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=moto_url,
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        PUMP_FIXTURE_RECORD=str(record),
        NO_PROXY="127.0.0.1",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local.pump",
            "--app",
            "tests.fixtures.pump_app:app",
            "--retry-after",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        secret = "身份证 110101199003077777"  # a body must never reach the log
        send(sqs, queues["jobs"], {"id": "via-process", "note": secret})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (record.exists() and "via-process" in record.read_text()):
            time.sleep(0.1)
        assert "via-process" in record.read_text()
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "pump ready: 2 SQS source(s)" in log
    assert "1 received, 1 deleted, 0 failed" in log
    assert "pump stopped" in log
    assert secret not in log and "110101199003077777" not in log
    assert left_in(sqs, queues["jobs"]) == 0
