"""Event pump of the local stack: plays Lambda's part for one province's Chalice app.

For every `on_sqs_message` source it long-polls the queue in moto's server, invokes the handler
with an event shaped like Lambda's, and deletes only the messages that succeeded:

- the handler raises → nothing is deleted (the whole batch comes back);
- it returns `{"batchItemFailures": [{"itemIdentifier": <messageId>}, …]}` → those stay, the
  rest are deleted (Lambda's ReportBatchItemFailures); an identifier that is empty or not in the
  batch fails the whole batch, as on Lambda;
- FIFO queues: after a message fails, the later messages of its group in the same batch are kept
  too, even if the handler reported them as done, and until the failed message comes back no
  later message of its group reaches the handler: a group is never processed out of order.

(Lambda honours batchItemFailures only when the event source mapping has ReportBatchItemFailures;
chalice 1.34 does not set it, so the deployed template must.)

Messages kept for redelivery get their visibility reset to `--retry-after` seconds (default 2)
instead of waiting out the queue's VisibilityTimeout (180 s): quicker local turnaround, same
order. The queue's RedrivePolicy moves a message to its dead-letter queue once it has been
received maxReceiveCount times — moto's server does that on receive, as SQS does.

For every `schedule` source it fires the handler with a scheduled event at the times of its
`rate(…)` or `cron(…)` expression (UTC; runs missed while the pump was stalled are skipped).

One log line per invocation (source, counts, failures) goes to stderr; message bodies never do.

    python -m infra.local.pump [--app module:attr]   # with the province's gateway environment
"""

from __future__ import annotations

import argparse
import base64
import calendar
import importlib
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import boto3
from botocore.exceptions import ClientError
from chalice.app import ScheduledEventConfig, SQSEventConfig

LOG = logging.getLogger("tongban.pump")

ACCOUNT = "123456789012"  # moto's default account
LAMBDA_TIMEOUT_SECONDS = 60  # chalice's default lambda_timeout
SQS_MAX_BATCH = 10  # ReceiveMessage returns at most 10 messages
DEFAULT_RETRY_AFTER = 2

Handler = Callable[[dict[str, Any], Any], Any]


class PumpError(RuntimeError):
    """The app's event sources cannot be pumped (unknown queue, unknown handler, bad schedule)."""


class ScheduleError(ValueError):
    """A schedule expression EventBridge would reject, or one the local pump cannot evaluate."""


# --------------------------------------------------------------------------------------------
# Schedule expressions
# --------------------------------------------------------------------------------------------

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {n: i for i, n in enumerate(_MONTH_NAMES, 1)}
_WEEKDAYS = {n: i for i, n in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}  # 1 = Sunday
# (label, lowest, highest, names) of the six AWS cron fields
_CRON_FIELDS: tuple[tuple[str, int, int, Mapping[str, int]], ...] = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)


@dataclass(frozen=True)
class Rate:
    """`rate(N unit)`: every N units, counted from when the pump started (as from rule creation)."""

    expression: str
    interval: timedelta

    def following(self, moment: datetime) -> datetime | None:
        return moment + self.interval


@dataclass(frozen=True)
class Cron:
    """AWS `cron(minutes hours day-of-month month day-of-week year)` in UTC.

    A day field of None is `?`; the other day field then decides alone.
    """

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: tuple[int, ...] | None
    months: tuple[int, ...]
    days_of_week: tuple[int, ...] | None
    years: tuple[int, ...]

    def matches_day(self, day: date) -> bool:
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        assert self.days_of_week is not None
        return day.isoweekday() % 7 + 1 in self.days_of_week  # ISO 7 (Sunday) → AWS 1

    def following(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after `moment`; None if the expression has ended."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for year in (y for y in self.years if y >= start.year):
            for month in self.months:
                if (year, month) < (start.year, start.month):
                    continue
                this_month = (year, month) == (start.year, start.month)
                for day in range(start.day if this_month else 1, calendar.monthrange(year, month)[1] + 1):
                    if not self.matches_day(date(year, month, day)):
                        continue
                    today = this_month and day == start.day
                    for hour in self.hours:
                        if today and hour < start.hour:
                            continue
                        for minute in self.minutes:
                            if today and hour == start.hour and minute < start.minute:
                                continue
                            return datetime(year, month, day, hour, minute, tzinfo=UTC)
        return None


Schedule = Rate | Cron


def _cron_value(text: str, label: str, low: int, high: int, names: Mapping[str, int]) -> int:
    value = names.get(text.upper())
    if value is None:
        if re.search(r"[LW#]", text, re.IGNORECASE):
            raise ScheduleError(f"{label}: L, W and # are not supported by the local pump ({text!r})")
        if not (text.isascii() and text.isdigit()):
            raise ScheduleError(f"{label}: {text!r} is not a value")
        value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{label}: {value} is outside {low}-{high}")
    return value


def _cron_field(text: str, label: str, low: int, high: int, names: Mapping[str, int]) -> tuple[int, ...]:
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) < 1:
                raise ScheduleError(f"{label}: bad step in {part!r}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = (_cron_value(v, label, low, high, names) for v in (a, b))
            if first > last:
                raise ScheduleError(f"{label}: range {part!r} runs backwards")
        else:
            first = _cron_value(base, label, low, high, names)
            last = high if slash else first  # "5/15" means from 5 every 15
        values.update(range(first, last + 1, step))
    return tuple(sorted(values))


def parse_schedule(expression: Any) -> Schedule:
    """Parse a Chalice schedule (a string, or chalice's Rate/Cron objects) as EventBridge would."""
    text = expression if isinstance(expression, str) else str(expression.to_string())
    text = text.strip()
    if rate := _RATE.match(text):
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleError(f"{text}: the value must be positive")
        # EventBridge's rule: singular unit for 1, plural otherwise (rate(1 hours) is rejected)
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(f"{text}: use a singular unit for 1 and a plural one otherwise")
        return Rate(text, value * _UNIT[unit.rstrip("s")])
    if cron := _CRON.match(text):
        parts = cron.group(1).split()
        if len(parts) != len(_CRON_FIELDS):
            raise ScheduleError(f"{text}: cron needs 6 fields (minutes hours dom month dow year)")
        dom, dow = parts[2], parts[4]
        if (dom == "?") == (dow == "?"):
            raise ScheduleError(f"{text}: exactly one of day-of-month and day-of-week must be '?'")
        fields = [
            None if (raw == "?" and spec[0].startswith("day")) else _cron_field(raw, *spec)
            for raw, spec in zip(parts, _CRON_FIELDS, strict=True)
        ]
        minutes, hours, months, years = fields[0], fields[1], fields[3], fields[5]
        if minutes is None or hours is None or months is None or years is None:
            raise ScheduleError(f"{text}: '?' is allowed only in the day fields")
        return Cron(text, minutes, hours, fields[2], months, fields[4], years)
    raise ScheduleError(f"{text!r} is neither rate(…) nor cron(…)")


@dataclass
class ScheduledSource:
    name: str
    handler: Handler
    schedule: Schedule
    next_at: datetime | None = None


class Scheduler:
    """When each schedule source is due; knows nothing of handlers being called."""

    def __init__(self, sources: Sequence[ScheduledSource], start: datetime) -> None:
        self.sources = list(sources)
        for source in self.sources:
            source.next_at = source.schedule.following(start)

    def due(self, now: datetime) -> list[tuple[ScheduledSource, datetime]]:
        """Sources due at `now` with their scheduled time, each advanced to its next time."""
        fired: list[tuple[ScheduledSource, datetime]] = []
        for source in self.sources:
            if source.next_at is None or source.next_at > now:
                continue
            fired.append((source, source.next_at))
            following = source.schedule.following(source.next_at)
            if following is not None and following <= now:
                following = source.schedule.following(now)  # stalled: skip missed runs, don't replay them
            source.next_at = following
        return fired


# --------------------------------------------------------------------------------------------
# Lambda's side: context, events, batch results
# --------------------------------------------------------------------------------------------


def partition_of(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws"


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_stream_name: str = "local/pump"
    identity: Any = None
    client_context: Any = None
    deadline: float = field(default_factory=lambda: time.monotonic() + LAMBDA_TIMEOUT_SECONDS)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ReceiveMessage message."""
    attributes: dict[str, Any] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        entry: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
        attributes[name] = entry
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def scheduled_event(rule: str, scheduled: datetime, region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:{partition_of(region)}:events:{region}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def reported_failures(response: Any, batch_ids: Sequence[str]) -> set[str] | None:
    """Message ids a handler's response marks as failed; None when Lambda would fail the batch."""
    if not isinstance(response, Mapping) or response.get("batchItemFailures") is None:
        return set()
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None
        failed.add(identifier)
    return failed


def hold_failed_groups(records: Sequence[Mapping[str, Any]], failed: set[str]) -> set[str]:
    """FIFO: a failure holds back the later messages of its group in the batch as well."""
    held = set(failed)
    blocked: set[str] = set()
    for record in records:
        group = str(record["attributes"].get("MessageGroupId", ""))
        if record["messageId"] in failed:
            blocked.add(group)
        elif group in blocked:
            held.add(record["messageId"])
    return held


def _where(error: BaseException) -> str:
    """file:line where an exception was raised; its message may hold personal data, so no message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    return f"{type(error).__name__} at {Path(frames[-1].filename).name}:{frames[-1].lineno}"


@dataclass(frozen=True)
class _Head:
    """The first failed message of a FIFO group: nothing later in the group may run before it."""

    message_id: str
    since: float


@dataclass
class SqsSource:
    name: str
    handler: Handler
    queue_name: str
    queue_url: str
    queue_arn: str
    fifo: bool
    batch_size: int
    max_receives: int | None  # the RedrivePolicy's maxReceiveCount
    visibility_timeout: int
    heads: dict[str, _Head] = field(default_factory=dict)  # FIFO group → its failed head


@dataclass(frozen=True)
class BatchOutcome:
    source: str
    queue: str
    received: int
    failed: frozenset[str]  # message ids left for redelivery
    deferred: frozenset[str] = frozenset()  # FIFO: not invoked, an earlier message of the group is due
    error: str | None = None  # where the handler raised, if it did

    @property
    def deleted(self) -> int:
        return self.received - len(self.failed) - len(self.deferred)


@dataclass(frozen=True)
class ScheduleOutcome:
    source: str
    scheduled: datetime
    error: str | None = None


# --------------------------------------------------------------------------------------------
# The pump
# --------------------------------------------------------------------------------------------


class Pump:
    """Feeds a Chalice app's SQS and schedule handlers. `poll_once` and `fire_due` are one step
    each, so tests drive the pump without waiting on the clock."""

    def __init__(
        self,
        app: Any,
        *,
        module: ModuleType | None = None,
        sqs: Any = None,
        region: str | None = None,
        stage: str | None = None,
        wait_seconds: int = 1,
        retry_after: int | None = DEFAULT_RETRY_AFTER,
        start: datetime | None = None,
        tracebacks: bool = False,
    ) -> None:
        if sqs is None:
            sqs = boto3.client("sqs", region_name=region)
        self.app = app
        self.module = module
        self.sqs = sqs
        self.region: str = region or sqs.meta.region_name
        self.stage = stage or os.environ.get("TONGBAN_STAGE", "local")
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self.tracebacks = tracebacks
        self.sqs_sources: list[SqsSource] = []
        schedules: list[ScheduledSource] = []
        for config in app.event_sources:
            if isinstance(config, SQSEventConfig):
                self.sqs_sources.append(self._sqs_source(config))
            elif isinstance(config, ScheduledEventConfig):
                try:
                    schedule = parse_schedule(config.schedule_expression)
                except ScheduleError as err:
                    raise PumpError(f"schedule {config.name}: {err}") from None
                schedules.append(ScheduledSource(config.name, self._handler(config), schedule))
            else:
                LOG.warning("event source %s (%s) is not pumped locally", config.name, type(config).__name__)
        self.scheduler = Scheduler(schedules, start or datetime.now(UTC))

    # -- wiring --------------------------------------------------------------------------------

    def _handler(self, config: Any) -> Handler:
        # handler_map holds every registered handler, blueprints' too; a module attribute is the
        # fallback for apps built in unusual ways.
        handler = self.app.handler_map.get(config.name)
        if handler is None and self.module is not None:
            handler = getattr(self.module, config.handler_string.rsplit(".", 1)[-1], None)
        if not callable(handler):
            raise PumpError(f"no handler {config.handler_string} for event source {config.name}")
        result: Handler = handler
        return result

    def _sqs_source(self, config: Any) -> SqsSource:
        name = config.queue or str(config.queue_arn).rsplit(":", 1)[-1]
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        except ClientError as err:
            raise PumpError(
                f"queue {name} of handler {config.name} does not exist ({err.response['Error']['Code']});"
                " is it in infra/template.yaml?"
            ) from None
        redrive = json.loads(attributes.get("RedrivePolicy", "{}"))
        return SqsSource(
            name=config.name,
            handler=self._handler(config),
            queue_name=name,
            queue_url=url,
            queue_arn=attributes["QueueArn"],
            fifo=name.endswith(".fifo"),
            batch_size=max(1, min(int(config.batch_size), SQS_MAX_BATCH)),
            max_receives=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
            visibility_timeout=int(attributes.get("VisibilityTimeout", 30)),
        )

    def _context(self, name: str) -> LambdaContext:
        function = f"{self.app.app_name}-{self.stage}-{name}"
        arn = f"arn:{partition_of(self.region)}:lambda:{self.region}:{ACCOUNT}:function:{function}"
        return LambdaContext(function_name=function, invoked_function_arn=arn)

    def _failure(self, error: Exception) -> str:
        if self.tracebacks:
            LOG.error("%s", "".join(traceback.format_exception(error)).rstrip())
        return _where(error)

    # -- SQS -----------------------------------------------------------------------------------

    def poll(self, source: SqsSource, wait_seconds: int | None = None) -> BatchOutcome | None:
        """Receive one batch from `source`'s queue and hand it to its handler; None if empty."""
        wait = self.wait_seconds if wait_seconds is None else wait_seconds
        messages = self.sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=source.batch_size,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return None
        records = [sqs_record(m, source.queue_arn, self.region) for m in messages]
        invoked, deferred = self._admit(source, records) if source.fifo else (records, [])
        ids = [r["messageId"] for r in invoked]
        failed: set[str] = set()
        error: str | None = None
        if invoked:
            try:
                response = source.handler({"Records": invoked}, self._context(source.name))
            except Exception as err:  # the handler's failure is the batch's failure, as on Lambda
                error = self._failure(err)
                failed = set(ids)
            else:
                reported = reported_failures(response, ids)
                if reported is None:
                    error = "invalid batchItemFailures"
                failed = set(ids) if reported is None else reported
        if source.fifo:
            failed = hold_failed_groups(invoked, failed)
            self._remember_heads(source, invoked, failed)
        self._settle(source, records, failed, {r["messageId"] for r in deferred})
        outcome = BatchOutcome(
            source.name,
            source.queue_name,
            len(records),
            frozenset(failed),
            frozenset(r["messageId"] for r in deferred),
            error,
        )
        LOG.info(
            "sqs %s → %s: %d received, %d deleted, %d failed%s%s",
            source.queue_name,
            source.name,
            outcome.received,
            outcome.deleted,
            len(outcome.failed),
            f", {len(deferred)} deferred behind an earlier message of their group" if deferred else "",
            f" ({error})" if error else "",
        )
        return outcome

    def _admit(
        self, source: SqsSource, records: Sequence[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """FIFO: split a batch into records to invoke and records whose group has an earlier failed
        message not yet redelivered. SQS never lets them overtake it; moto's server sometimes
        does when several in-flight messages of a group become visible together. The head is
        known by its message id: moto's SequenceNumbers are random, so they cannot order."""
        invoked: list[dict[str, Any]] = []
        deferred: list[dict[str, Any]] = []
        admitted: dict[str, bool] = {}
        present = {r["messageId"] for r in records}
        now = time.monotonic()
        # A head that never comes back (purged, expired, taken by another consumer) must not block
        # its group forever.
        expiry = max(source.visibility_timeout, self.retry_after or 0) + 60
        for record in records:
            group = str(record["attributes"].get("MessageGroupId", ""))
            if group not in admitted:
                head = source.heads.get(group)
                if head is not None and now - head.since > expiry:
                    LOG.warning(
                        "sqs %s: a failed message did not come back; unblocking its group", source.queue_name
                    )
                    head = None
                admitted[group] = head is None or head.message_id in present
                if admitted[group]:
                    source.heads.pop(group, None)
            (invoked if admitted[group] else deferred).append(record)
        return invoked, deferred

    def _remember_heads(self, source: SqsSource, records: Sequence[dict[str, Any]], failed: set[str]) -> None:
        for record in records:
            group = str(record["attributes"].get("MessageGroupId", ""))
            if record["messageId"] not in failed or group in source.heads:
                continue
            receives = int(record["attributes"].get("ApproximateReceiveCount", "1"))
            # At maxReceiveCount the next receive moves it to the DLQ and its group goes on.
            if source.max_receives is None or receives < source.max_receives:
                source.heads[group] = _Head(record["messageId"], time.monotonic())

    def _settle(
        self, source: SqsSource, records: Sequence[Mapping[str, Any]], failed: set[str], deferred: set[str]
    ) -> None:
        done = [r for r in records if r["messageId"] not in failed | deferred]
        for batch in _chunks(done, SQS_MAX_BATCH):
            result = self.sqs.delete_message_batch(
                QueueUrl=source.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(batch)],
            )
            for failure in result.get("Failed", []):
                LOG.warning("sqs %s: delete failed (%s)", source.queue_name, failure.get("Code"))
        # Deferred records were never handled: back at once, behind the message they wait for.
        self._make_visible(source, [r for r in records if r["messageId"] in deferred], 0)
        if self.retry_after is not None:
            self._make_visible(source, [r for r in records if r["messageId"] in failed], self.retry_after)

    def _make_visible(self, source: SqsSource, records: Sequence[Mapping[str, Any]], after: int) -> None:
        for batch in _chunks(records, SQS_MAX_BATCH):
            self.sqs.change_message_visibility_batch(
                QueueUrl=source.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": after}
                    for i, r in enumerate(batch)
                ],
            )

    def poll_once(self, wait_seconds: int | None = None) -> list[BatchOutcome]:
        """One receive on every SQS source, in registration order."""
        outcomes = [self.poll(source, wait_seconds) for source in self.sqs_sources]
        return [o for o in outcomes if o is not None]

    # -- schedules -----------------------------------------------------------------------------

    def fire_due(self, now: datetime) -> list[ScheduleOutcome]:
        """Invoke every schedule handler due at `now`."""
        outcomes = []
        for source, scheduled in self.scheduler.due(now):
            rule = f"{self.app.app_name}-{self.stage}-{source.name}"
            error: str | None = None
            try:
                source.handler(scheduled_event(rule, scheduled, self.region), self._context(source.name))
            except Exception as err:  # a failed run is logged; the next one fires as scheduled
                error = self._failure(err)
            LOG.info(
                "schedule %s → %s at %s: %s",
                source.schedule.expression,
                source.name,
                scheduled.strftime("%Y-%m-%dT%H:%M:%SZ"),
                f"failed ({error})" if error else "ok",
            )
            outcomes.append(ScheduleOutcome(source.name, scheduled, error))
        return outcomes

    # -- running -------------------------------------------------------------------------------

    def _poll_forever(self, source: SqsSource, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll(source)
            except Exception as err:  # moto restarting, a network blip: wait and poll again
                LOG.warning("sqs %s: polling failed (%s); retrying", source.queue_name, type(err).__name__)
                stop.wait(1)

    def run(self, stop: threading.Event, tick: float = 1.0) -> None:
        """Poll every queue on its own thread and fire schedules until `stop` is set."""
        threads = [
            threading.Thread(
                target=self._poll_forever, args=(s, stop), name=f"pump-{s.queue_name}", daemon=True
            )
            for s in self.sqs_sources
        ]
        for thread in threads:
            thread.start()
        while not stop.is_set():
            self.fire_due(datetime.now(UTC))
            stop.wait(tick)
        for thread in threads:
            thread.join(timeout=self.wait_seconds + 5)


def _chunks(items: Sequence[Mapping[str, Any]], size: int) -> Iterable[Sequence[Mapping[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def load_app(spec: str) -> tuple[Any, ModuleType]:
    """Import `module:attr` (default attribute `app`)."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute or "app"), module


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.pump", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--app", default="app:app", help="the Chalice app, module:attribute (default app:app)"
    )
    parser.add_argument("--wait-seconds", type=int, default=1, help="SQS long-poll wait (default 1)")
    parser.add_argument(
        "--retry-after",
        type=int,
        default=DEFAULT_RETRY_AFTER,
        help="seconds until a failed message is visible again (default 2; -1 keeps the queue's"
        " VisibilityTimeout, as on AWS)",
    )
    parser.add_argument("--tick", type=float, default=1.0, help="seconds between schedule checks")
    parser.add_argument(
        "--tracebacks", action="store_true", help="log handlers' tracebacks (their messages may hold data)"
    )
    args = parser.parse_args(argv)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s pump %(levelname)s %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    app, module = load_app(args.app)
    try:
        pump = Pump(
            app,
            module=module,
            wait_seconds=args.wait_seconds,
            retry_after=None if args.retry_after < 0 else args.retry_after,
            tracebacks=args.tracebacks,
        )
    except PumpError as err:
        LOG.error("%s", err)
        return 1
    LOG.info(
        "pump ready: %d SQS source(s) %s, %d schedule(s) %s",
        len(pump.sqs_sources),
        [s.queue_name for s in pump.sqs_sources],
        len(pump.scheduler.sources),
        [s.schedule.expression for s in pump.scheduler.sources],
    )
    pump.run(stop, args.tick)
    LOG.info("pump stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
