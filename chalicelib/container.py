"""Composition root: builds each service once per process with its adapters, on first use.

Imports happen inside the factories: a cold start pays only for the services its first request
uses (ADR 0002).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.config import settings

if TYPE_CHECKING:
    from chalicelib.adapters.case_store import (
        DynamoCaseQueries,
        DynamoCaseRepository,
        DynamoQuotas,
    )
    from chalicelib.adapters.catalog_store import DynamoCatalogStore
    from chalicelib.adapters.evidence import S3EvidenceArchive
    from chalicelib.adapters.licences import LocalLicenceProvider
    from chalicelib.adapters.message_store import DynamoMessageStore
    from chalicelib.adapters.queues import SqsNoticeQueue
    from chalicelib.adapters.signing import KmsSigner
    from chalicelib.adapters.sms import LocalSmsOutbox
    from chalicelib.domain.case import Case
    from chalicelib.domain.partners import Partner
    from chalicelib.domain.working_days import WorkingCalendar
    from chalicelib.services.after_commit import AfterCommit
    from chalicelib.services.binding import BindingService
    from chalicelib.services.calendar import CalendarService
    from chalicelib.services.case_files import CaseFiles
    from chalicelib.services.case_queries import CaseQueries
    from chalicelib.services.cases import CaseService
    from chalicelib.services.catalog import Announcement, CatalogService
    from chalicelib.services.catalog_drift import CatalogDigests, DriftMonitor
    from chalicelib.services.catalog_replication import CatalogReplication
    from chalicelib.services.dead_letters import DeadLetterService
    from chalicelib.services.deadlines import DeadlineService
    from chalicelib.services.evidence import EvidenceService
    from chalicelib.services.exchange import ExchangeService
    from chalicelib.services.inbound import InboundService
    from chalicelib.services.joint import JointCoordinator
    from chalicelib.services.materials import MaterialService
    from chalicelib.services.notices import NoticeService
    from chalicelib.services.outbound import OutboundService
    from chalicelib.services.partners import PartnerService
    from chalicelib.services.ratings import RatingService
    from chalicelib.services.receipts import ReceiptService
    from chalicelib.services.reveal import RevealService
    from chalicelib.services.shipments import ShipmentService
    from chalicelib.services.sms import SmsNotifier
    from chalicelib.services.video import VideoProvider
    from chalicelib.services.video_sessions import VideoSessions
    from chalicelib.services.walkin import WalkInService
    from chalicelib.services.window import WindowService

CALENDAR_TTL_SECONDS = 300.0
_calendar_cache: dict[str, tuple[float, WorkingCalendar]] = {}


@cache
def catalog_store() -> DynamoCatalogStore:
    from chalicelib.adapters.catalog_store import DynamoCatalogStore

    return DynamoCatalogStore(settings().table("catalog"))


@cache
def catalog() -> CatalogService:
    from chalicelib.services.catalog import CatalogService

    lazy = _LazyReplication()
    return CatalogService(catalog_store(), province=settings().province_code, announcer=lazy, versions=lazy)


class _LazyReplication:
    """The catalog's announcer and version source, built on first use: a catalog read needs neither."""

    def announce(self, kind: str, payload: dict[str, Any]) -> Announcement:
        return catalog_replication().announce(kind, payload)

    def send(self, records: list[dict[str, Any]]) -> None:
        catalog_replication().send(records)

    def fetch(self, code: str, version: int, *, publisher: str | None, holder: str | None) -> dict[str, Any]:
        return catalog_replication().fetch(code, version, publisher=publisher, holder=holder)


@cache
def catalog_replication() -> CatalogReplication:
    """事项标准 replication: announcements through the outbox, copies, versions fetched on demand."""
    from chalicelib.adapters.partner_http import PartnerHttp
    from chalicelib.adapters.queues import SqsOutboundQueue
    from chalicelib.services.catalog_replication import CatalogReplication

    stage = settings()
    return CatalogReplication(
        catalog_store(),
        catalog(),
        message_store(),
        SqsOutboundQueue(stage.queue("outbound")),
        partners(),
        signer(),
        PartnerHttp(),
        stage.province_code,
    )


@cache
def calendar() -> CalendarService:
    from chalicelib.services.calendar import CalendarService

    return CalendarService(catalog_store())


def working_calendar() -> WorkingCalendar:
    """The published years as one calendar, re-read at most every five minutes per process."""
    from chalicelib.domain.calendar import YearCalendar
    from chalicelib.domain.working_days import WorkingCalendar

    cached = _calendar_cache.get("calendar")
    if cached is not None and time.monotonic() - cached[0] < CALENDAR_TTL_SECONDS:
        return cached[1]
    years = [YearCalendar.model_validate(doc) for doc in catalog_store().calendars()]
    built = WorkingCalendar.of(years)
    _calendar_cache["calendar"] = (time.monotonic(), built)
    return built


def forget_calendar() -> None:
    _calendar_cache.clear()


@cache
def case_repository() -> DynamoCaseRepository:
    """The write side of cases: only the case book uses it."""
    from chalicelib.adapters.case_store import DynamoCaseRepository

    return DynamoCaseRepository(settings().table("cases"))


@cache
def case_reads() -> DynamoCaseQueries:
    from chalicelib.adapters.case_store import DynamoCaseQueries

    return DynamoCaseQueries(settings().table("cases"))


@cache
def case_queries() -> CaseQueries:
    """The read side of cases: lists, views, sweeps (services/case_queries.py)."""
    from chalicelib.services.case_queries import CaseQueries

    return CaseQueries(case_reads())


@cache
def quotas() -> DynamoQuotas:
    from chalicelib.adapters.case_store import DynamoQuotas

    return DynamoQuotas(settings().table("cases"))


@cache
def after_commit() -> AfterCommit:
    """The performers of the post-commit table (services/after_commit.py), each built on first use."""
    from chalicelib.services.after_commit import AfterCommit, Step

    return AfterCommit(
        {
            Step.NOTIFY: lambda notice: notice_queue().send(notice),
            Step.SEND: lambda message: outbound().enqueue(message),
            Step.COORDINATE_JOINT: lambda case: joint().listen(case),
            Step.ANNOUNCE_VIDEO: announce_video_sessions,
            Step.ACKNOWLEDGE_STOP: lambda record: joint().on_delivered(record),
            Step.FLUSH_PARTNER: _flush_when_active,
        }
    )


@cache
def notice_queue() -> SqsNoticeQueue:
    from chalicelib.adapters.queues import SqsNoticeQueue

    return SqsNoticeQueue(settings().queue("notifications"))


@cache
def licences() -> LocalLicenceProvider:
    """The local e-licence stand-in (no national e-licence system is reachable from here)."""
    from chalicelib.adapters.licences import LocalLicenceProvider

    return LocalLicenceProvider(settings().table("catalog"), province=settings().province_code)


@cache
def cases() -> CaseService:
    from chalicelib.services.case_book import CaseBook
    from chalicelib.services.cases import CaseService

    book = CaseBook(case_repository(), working_calendar, after_commit())
    province = settings().province_code
    return CaseService(
        book,
        catalog(),
        licences(),
        province,
        outbound=outbound(),
        partners=partners(),
        queries=case_queries(),
    )


@cache
def reveals() -> RevealService:
    from chalicelib.services.reveal import RevealService

    return RevealService(cases(), quotas())


@cache
def joint() -> JointCoordinator:
    from chalicelib.services.joint import JointCoordinator

    return JointCoordinator(cases(), outbound(), settings().province_code)


@cache
def outbound() -> OutboundService:
    from chalicelib.adapters.partner_http import PartnerHttp
    from chalicelib.adapters.queues import SqsOutboundQueue
    from chalicelib.services.after_commit import Committed
    from chalicelib.services.outbound import OutboundService

    stage = settings()
    queue, dead = SqsOutboundQueue(stage.queue("outbound")), SqsOutboundQueue(stage.queue("outbound_dlq"))
    service = OutboundService(
        message_store(),
        queue,
        dead,
        partners(),
        signer(),
        PartnerHttp(),
        stage.province_code,
        archive=evidence_archive(),
    )
    # what follows a receipt is the post-commit table's (services/after_commit.py)
    service.listeners.append(lambda record: after_commit().run(Committed.MESSAGE_DELIVERED, [record]))
    return service


@cache
def case_files() -> CaseFiles:
    from chalicelib.adapters.files import S3Files
    from chalicelib.adapters.partner_http import PartnerHttp
    from chalicelib.services.case_files import CaseFiles

    stage = settings()
    return CaseFiles(
        partners(),
        signer(),
        S3Files(stage.bucket),
        PartnerHttp(),
        case_reads(),
        stage.province_code,
        refusals=message_store(),
    )


@cache
def inbound() -> InboundService:
    from chalicelib.services.inbound import InboundService

    return InboundService(
        cases(),
        message_store(),
        case_files(),
        settings().province_code,
        catalog_messages=lambda received: catalog_replication().apply(received),
    )


@cache
def materials() -> MaterialService:
    from chalicelib.adapters.files import S3Files
    from chalicelib.services.materials import MaterialService

    return MaterialService(cases(), S3Files(settings().bucket), licences())


@cache
def ratings() -> RatingService:
    from chalicelib.services.ratings import RatingService

    return RatingService(cases(), case_queries())


@cache
def deadlines() -> DeadlineService:
    from chalicelib.services.deadlines import DeadlineService

    return DeadlineService(cases(), case_queries())


@cache
def notices() -> NoticeService:
    from chalicelib.adapters.case_store import DynamoNoticeOutbox
    from chalicelib.adapters.notice_reads import DynamoNoticeReads
    from chalicelib.services.notices import NoticeService

    table = settings().table("cases")
    return NoticeService(DynamoNoticeOutbox(table), notice_queue(), DynamoNoticeReads(table), sms_notifier())


@cache
def sms_notifier() -> SmsNotifier:
    """SMS to walk-in applicants through TONGBAN_SMS_PROVIDER (adapters/sms.py): the local stand-in
    in the local stage unless configured, none elsewhere unless configured."""
    import os

    from chalicelib.adapters.sms import DynamoSmsLedger, sms_sender
    from chalicelib.services.sms import SmsNotifier

    stage = settings()
    table = stage.table("cases")
    sender = sms_sender(stage.stage, table, os.environ)
    base_url = os.environ.get("TONGBAN_PUBLIC_BASE_URL", "")
    return SmsNotifier(case_reads(), sender, DynamoSmsLedger(table), base_url)


def dev_sms_outbox() -> LocalSmsOutbox:
    """The local SMS stand-in's kept messages, for the operator's development read."""
    from chalicelib.adapters.sms import LocalSmsOutbox

    return LocalSmsOutbox(settings().table("cases"))


def run_once(
    scope: str, fingerprint: str, produce: Callable[[], dict[str, Any]], lambda_context: Any = None
) -> tuple[dict[str, Any], bool]:
    """An idempotent request (adapters/idempotency.py): the HTTP layer reaches no adapter itself."""
    from chalicelib.adapters.idempotency import run_once as run

    return run(scope, fingerprint, produce, lambda_context)


@cache
def walk_ins() -> WalkInService:
    from chalicelib.services.walkin import WalkInService

    return WalkInService(cases(), ratings(), quotas(), case_queries())


@cache
def partners() -> PartnerService:
    from chalicelib.adapters.partner_store import DynamoPartnerStore
    from chalicelib.services.after_commit import Committed
    from chalicelib.services.partners import PartnerService

    stage = settings()
    service = PartnerService(DynamoPartnerStore(stage.table("catalog")), stage.province_code, stage.stage)
    # a partner active again gets what waited for it now (catalog and case messages alike): the
    # post-commit table's row (services/after_commit.py)
    service.listeners.append(lambda partner: after_commit().run(Committed.PARTNER_STATUS, [partner]))
    return service


def _flush_when_active(partner: Partner) -> None:
    from chalicelib.domain.partners import PartnerStatus

    if partner.status is PartnerStatus.ACTIVE:
        outbound().flush(partner.code)


@cache
def signer() -> KmsSigner:
    from chalicelib.adapters.signing import KmsSigner

    return KmsSigner(settings().signing_key)


@cache
def message_store() -> DynamoMessageStore:
    from chalicelib.adapters.message_store import DynamoMessageStore

    return DynamoMessageStore(settings().table("cases"))


@cache
def exchange() -> ExchangeService:
    from chalicelib.adapters.queues import SqsInboundQueue
    from chalicelib.services.exchange import ExchangeService

    inbound = SqsInboundQueue(settings().queue("inbound"))
    from chalicelib.api.message_schemas import payload_conforms

    return ExchangeService(
        partners(),
        signer(),
        message_store(),
        inbound,
        settings().province_code,
        payload_conforms=payload_conforms,
        archive=evidence_archive(),
    )


@cache
def evidence_archive() -> S3EvidenceArchive:
    from chalicelib.adapters.evidence import S3EvidenceArchive

    return S3EvidenceArchive(settings().evidence_bucket)


@cache
def evidence() -> EvidenceService:
    from chalicelib.services.evidence import EvidenceService

    own = signer()
    return EvidenceService(
        evidence_archive(), partners(), own, settings().province_code, own_key=own.public_jwk_of
    )


@cache
def dead_letters() -> DeadLetterService:
    from chalicelib.adapters.dead_letters import SqsDeadLetters
    from chalicelib.services.dead_letters import DeadLetterService

    return DeadLetterService(SqsDeadLetters(), settings().queue, outbound())


@cache
def window() -> WindowService:
    from chalicelib.services.window import WindowService

    return WindowService(cases(), case_reads(), binding())


@cache
def receipts() -> ReceiptService:
    from chalicelib.config import print_link_key
    from chalicelib.services.receipts import ReceiptService

    stage = settings()
    return ReceiptService(
        cases(), stage.windows, stage.public_base_url, print_link_key(), stage.province_code
    )


@cache
def shipments() -> ShipmentService:
    """资料寄递 at the handling province (the window's side goes through `window()`)."""
    from chalicelib.services.shipments import ShipmentService

    return ShipmentService(cases(), case_queries(), settings().province_code)


@cache
def binding() -> BindingService:
    from chalicelib.adapters.binding_store import DynamoBindingStore
    from chalicelib.services.binding import BindingService

    stage = settings()
    return BindingService(signer(), partners(), DynamoBindingStore(stage.table("cases")), stage.province_code)


@cache
def video_sessions() -> VideoSessions:
    """Video sessions with the province's configured provider (`Settings.video`), built on first use."""
    from chalicelib.adapters.partner_http import PartnerHttp
    from chalicelib.services.video_sessions import VideoSessions

    return VideoSessions(
        cases(),
        video_provider,
        province=settings().province_code,
        partners=partners(),
        signer=signer(),
        http=PartnerHttp(),
        refusals=message_store(),
    )


def announce_video_sessions(case: Case) -> None:
    """Builds the video service only for a case with a session the partner was not told of yet."""
    if any(not s.announced and s.home is None for s in case.video_sessions):
        video_sessions().announce_pending(case)


@cache
def video_provider() -> VideoProvider:
    from chalicelib.adapters.video import provider_of

    return provider_of(settings().video)


@cache
def catalog_digests() -> CatalogDigests:
    from chalicelib.services.catalog_drift import CatalogDigests

    return CatalogDigests(catalog_store(), partners(), settings().province_code, refusals=message_store())


@cache
def catalog_drift() -> DriftMonitor:
    from datetime import timedelta

    from chalicelib.adapters.drift_store import DynamoDriftStore
    from chalicelib.adapters.partner_http import PartnerHttp
    from chalicelib.services.catalog_drift import DriftMonitor

    stage = settings()
    return DriftMonitor(
        catalog_digests(),
        partners(),
        signer(),
        PartnerHttp(),
        DynamoDriftStore(stage.table("catalog")),
        stage.province_code,
        timedelta(minutes=stage.catalog_drift_alarm_minutes),
    )


def reset() -> None:
    """Forget built services (tests that change settings between cases): every factory here."""
    for factory in list(globals().values()):
        if callable(factory) and hasattr(factory, "cache_clear") and factory.__module__ == __name__:
            factory.cache_clear()
    forget_calendar()
