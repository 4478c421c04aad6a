"""Event handlers: upload notices from the bucket, applicant notices, and the scheduled jobs.

SQS batches go through Powertools' batch processor: a record that raises is reported in
`batchItemFailures` and comes back alone; the others are done. Every handler is idempotent, so a
message delivered twice changes nothing the second time.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib import container
from chalicelib.domain.clock import beijing_date
from chalicelib.observability import logger, traced


def _batch(event: dict[str, Any], handle: Any, *, fifo: bool = False) -> dict[str, Any]:
    """Powertools' batch processing; on a FIFO queue it stops at the first failure of the batch
    (the rest come back, in order)."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        SqsFifoPartialProcessor,
        process_partial_response,
    )

    processor = SqsFifoPartialProcessor() if fifo else BatchProcessor(event_type=EventType.SQS)
    result = process_partial_response(event=event, record_handler=handle, processor=processor)
    return dict(result)


def _upload_record(record: Any) -> None:
    from chalicelib.adapters.files import parse_upload_notifications

    for uploaded in parse_upload_notifications(record.body):
        verdict = container.materials().check_object(uploaded.key)
        logger.info("upload checked", extra={"verdict": verdict})


def _notice_record(record: Any) -> None:
    container.notices().deliver(json.loads(record.body))


def on_uploads(event: dict[str, Any]) -> dict[str, Any]:
    with traced("## uploads"):
        return _batch(event, _upload_record)


def on_notices(event: dict[str, Any]) -> dict[str, Any]:
    with traced("## notices"):
        return _batch(event, _notice_record)


def sweep_deadlines(now: datetime) -> dict[str, int]:
    with traced("## sweep"):
        report = container.deadlines().sweep(beijing_date(now))
    logger.info("deadline sweep", extra=report.__dict__)
    return dict(report.__dict__)


def relay_outbox(now: datetime) -> int:
    with traced("## relay"):
        sent = container.notices().relay(now)
    if sent:
        logger.warning("outbox relayed", extra={"sent": sent})
    return sent


def _inbound_record(record: Any) -> None:
    body = json.loads(record.body)
    verdict = container.inbound().apply(str(body["id"]))
    logger.info("message applied", extra={"verdict": verdict})


def _outbound_record(record: Any) -> None:
    body = json.loads(record.body)
    verdict = container.outbound().deliver(str(body["case"]), str(body["id"]))
    logger.info("message sent", extra={"verdict": verdict})


def on_inbound(event: dict[str, Any]) -> dict[str, Any]:
    with traced("## inbound"):
        return _batch(event, _inbound_record, fifo=True)


def on_outbound(event: dict[str, Any]) -> dict[str, Any]:
    with traced("## outbound"):
        return _batch(event, _outbound_record)


def relay_messages() -> int:
    with traced("## relay messages"):
        queued = container.outbound().relay()
        queued += container.joint().catch_up()
        queued += container.inbound().retry_out_of_sync()
    if queued:
        logger.info("messages relayed", extra={"queued": queued})
    return queued


def check_catalog_drift() -> dict[str, int]:
    """The scheduled catalog comparison with every partner: first-seen times recorded, and metrics
    for the drift alarm (`CatalogDriftOverdue` > 0: a difference older than the threshold)."""
    from aws_lambda_powertools.metrics import MetricUnit

    from chalicelib.observability import metrics

    with traced("## catalog drift"):
        view = container.catalog_drift().check()
    partners = view["partners"]
    counts = {
        "overdue": int(view["alarm"]["overdue"]),
        "differences": sum(len(p[k]) for p in partners for k in ("missing", "extra", "different")),
        "unreachable": sum(1 for p in partners if p["state"] == "unreachable"),
    }
    metrics.add_metric(name="CatalogDriftOverdue", unit=MetricUnit.Count, value=counts["overdue"])
    metrics.add_metric(name="CatalogDriftDifferences", unit=MetricUnit.Count, value=counts["differences"])
    metrics.add_metric(name="CatalogPartnersUnreachable", unit=MetricUnit.Count, value=counts["unreachable"])
    metrics.flush_metrics()
    log = logger.warning if counts["overdue"] else logger.info
    log("catalog drift", extra=counts)
    return counts
