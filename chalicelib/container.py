"""Composition root: the one place where the app's services are built from their collaborators.

A `Root` holds what the services are built from: the stage's `Settings`, the clock, the partner
transport (HTTP to partner gateways), the video provider (视频会商), the SMS sender and the
e-licence provider (电子证照). `bootstrap` makes one, taking each collaborator as a parameter and
defaulting to the production one the settings name; `install` makes it the process's current root.
`app.py` installs the production root at import (`current()` does, if nothing was installed); tests
install one with fakes (a fixed clock, a fake partner transport) instead of patching services.

The module functions (`cases()`, `outbound()`, …) build each service once per root, on first use,
and are the call shape of the API and event layers. Imports happen inside them: a cold start pays
only for the services its first request uses (ADR 0002). Nothing else in `chalicelib` keeps a
process-wide instance: the token verifier, the idempotency store, the cursor and print-link keys,
the tracer and the working calendar live here too. Two process-wide handles stay outside, on
purpose: the AWS clients (adapters/aws.py, a connection cache that `install` drops for a new root)
and the Powertools logger and metrics (observability.py, whose level `install` sets).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from chalicelib.config import Settings, load_settings
from chalicelib.domain.clock import Clock, system_clock

if TYPE_CHECKING:
    from chalicelib.adapters.case_store import (
        DynamoCaseQueries,
        DynamoCaseRepository,
        DynamoQuotas,
    )
    from chalicelib.adapters.catalog_store import DynamoCatalogStore
    from chalicelib.adapters.evidence import S3EvidenceArchive
    from chalicelib.adapters.idempotency import IdempotentRuns
    from chalicelib.adapters.message_store import DynamoMessageStore
    from chalicelib.adapters.queues import SqsNoticeQueue
    from chalicelib.adapters.signing import KmsSigner
    from chalicelib.adapters.sms import LocalSmsOutbox
    from chalicelib.domain.case import Case
    from chalicelib.domain.partners import Partner
    from chalicelib.domain.working_days import WorkingCalendar
    from chalicelib.services.after_commit import AfterCommit
    from chalicelib.services.authentication import TokenVerifier
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
    from chalicelib.services.licences import LicenceProvider
    from chalicelib.services.materials import MaterialService
    from chalicelib.services.notices import NoticeService
    from chalicelib.services.outbound import OutboundService
    from chalicelib.services.partners import PartnerService
    from chalicelib.services.ratings import RatingService
    from chalicelib.services.receipts import ReceiptService
    from chalicelib.services.reveal import RevealService
    from chalicelib.services.shipments import ShipmentService
    from chalicelib.services.sms import SmsNotifier, SmsSender
    from chalicelib.services.video import VideoProvider
    from chalicelib.services.video_sessions import VideoSessions
    from chalicelib.services.walkin import WalkInService
    from chalicelib.services.window import WindowService

CALENDAR_TTL_SECONDS = 300.0
T = TypeVar("T")


class PartnerTransport(Protocol):
    """HTTP to partner gateways (`adapters/partner_http.py` in production): signed posts and
    downloads of presigned file URLs."""

    def post(self, url: str, body: dict[str, Any]) -> Any: ...
    def download(self, url: str, max_bytes: int) -> tuple[bytes, str]: ...


@dataclass(eq=False)
class Root:
    """The collaborators the services are built from, and the services built so far."""

    settings: Settings
    clock: Clock = system_clock
    partner_transport: PartnerTransport | None = None  # None: HTTP (adapters/partner_http.py)
    video_provider: VideoProvider | None = None  # None: the one `settings.video` names
    sms: SmsSender | None = None  # None: the one `settings.sms` names (which may be none)
    licences: LicenceProvider | None = None  # None: the local e-licence stand-in
    lambda_context: Any = None  # the current invocation's (registered by app.py)
    built: dict[str, Any] = field(default_factory=dict, repr=False)
    calendar_read: tuple[float, WorkingCalendar] | None = field(default=None, repr=False)


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = system_clock,
    partner_transport: PartnerTransport | None = None,
    video_provider: VideoProvider | None = None,
    sms: SmsSender | None = None,
    licences: LicenceProvider | None = None,
) -> Root:
    """A root from explicit collaborators; each one left out is production's, from `settings`
    (read from the environment when not given: a misconfigured stage fails here, at start)."""
    return Root(
        settings if settings is not None else load_settings(),
        clock=clock,
        partner_transport=partner_transport,
        video_provider=video_provider,
        sms=sms,
        licences=licences,
    )


_current: list[Root] = []  # the process's root: at most one


def install(root: Root) -> Root:
    """Make `root` the process's current root: services are built from it from now on."""
    from chalicelib.observability import logger

    if "chalicelib.adapters.aws" in sys.modules:  # a new root starts with new AWS connections
        from chalicelib.adapters.aws import reset_clients

        reset_clients()
    logger.setLevel(root.settings.log_level)
    _current[:] = [root]
    return root


def current() -> Root:
    """The installed root; the production one, from the environment, if none is installed yet."""
    if not _current:
        install(bootstrap())
    return _current[0]


def reset() -> None:
    """Forget the services built so far (the collaborators stay): they are built again on use."""
    root = current()
    root.built.clear()
    root.calendar_read = None


def register_lambda_context(context: Any) -> None:
    """Remember the invocation's Lambda context, as Powertools' idempotency asks of a handler; the
    idempotency store is given it now if built, or when it is built."""
    root = current()
    root.lambda_context = context
    if "idempotency" in root.built:
        idempotency().register_lambda_context(context)


def _built(factory: Callable[[], T]) -> Callable[[], T]:
    """Build with `factory` once per root, on first use."""
    name = factory.__name__

    @wraps(factory)
    def once() -> T:
        built = current().built
        if name not in built:
            built[name] = factory()
        return cast("T", built[name])

    return once


def settings() -> Settings:
    """The settings of the current root."""
    return current().settings


def clock() -> Clock:
    return current().clock


@_built
def partner_transport() -> PartnerTransport:
    """The root's partner transport, or HTTP (`adapters/partner_http.py`)."""
    given = current().partner_transport
    if given is not None:
        return given
    from chalicelib.adapters.partner_http import PartnerHttp

    return PartnerHttp()


@_built
def token_verifier() -> TokenVerifier:
    """Bearer tokens of the issuers the stage trusts (统一身份认证); it caches their keys."""
    from chalicelib.services.authentication import TokenVerifier

    return TokenVerifier(settings().issuers)


@_built
def idempotency() -> IdempotentRuns:
    from chalicelib.adapters.idempotency import IdempotentRuns

    runs = IdempotentRuns(settings().table("idempotency"))
    runs.register_lambda_context(current().lambda_context)
    return runs


@_built
def cursor_key() -> bytes:
    """The key of pagination cursors, read once per root (a deployed stage: from its secret)."""
    from chalicelib.config import read_cursor_key

    return read_cursor_key(settings())


@_built
def print_link_key() -> bytes:
    from chalicelib.config import print_link_key_of

    return print_link_key_of(cursor_key())


@_built
def tracer() -> Any:
    """The X-Ray tracer, or None where `Settings.tracing` is off."""
    from chalicelib.observability import tracer_of

    return tracer_of(settings().tracing)


@_built
def catalog_store() -> DynamoCatalogStore:
    from chalicelib.adapters.catalog_store import DynamoCatalogStore

    return DynamoCatalogStore(settings().table("catalog"))


@_built
def catalog() -> CatalogService:
    from chalicelib.services.catalog import CatalogService

    lazy = _LazyReplication()
    return CatalogService(
        catalog_store(), province=settings().province_code, announcer=lazy, versions=lazy, clock=clock()
    )


class _LazyReplication:
    """The catalog's announcer and version source, built on first use: a catalog read needs neither."""

    def announce(self, kind: str, payload: dict[str, Any]) -> Announcement:
        return catalog_replication().announce(kind, payload)

    def send(self, records: list[dict[str, Any]]) -> None:
        catalog_replication().send(records)

    def fetch(self, code: str, version: int, *, publisher: str | None, holder: str | None) -> dict[str, Any]:
        return catalog_replication().fetch(code, version, publisher=publisher, holder=holder)


@_built
def catalog_replication() -> CatalogReplication:
    """事项标准 replication: announcements through the outbox, copies, versions fetched on demand."""
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
        partner_transport(),
        stage.province_code,
        clock=clock(),
    )


@_built
def calendar() -> CalendarService:
    from chalicelib.services.calendar import CalendarService

    return CalendarService(catalog_store())


def working_calendar() -> WorkingCalendar:
    """The published years as one calendar, re-read at most every five minutes per root."""
    from chalicelib.domain.calendar import YearCalendar
    from chalicelib.domain.working_days import WorkingCalendar

    root = current()
    cached = root.calendar_read
    if cached is not None and time.monotonic() - cached[0] < CALENDAR_TTL_SECONDS:
        return cached[1]
    years = [YearCalendar.model_validate(doc) for doc in catalog_store().calendars()]
    built = WorkingCalendar.of(years)
    root.calendar_read = (time.monotonic(), built)
    return built


def forget_calendar() -> None:
    current().calendar_read = None


@_built
def case_repository() -> DynamoCaseRepository:
    """The write side of cases: only the case book uses it."""
    from chalicelib.adapters.case_store import DynamoCaseRepository

    return DynamoCaseRepository(settings().table("cases"))


@_built
def case_reads() -> DynamoCaseQueries:
    from chalicelib.adapters.case_store import DynamoCaseQueries

    return DynamoCaseQueries(settings().table("cases"))


@_built
def case_queries() -> CaseQueries:
    """The read side of cases: lists, views, sweeps (services/case_queries.py)."""
    from chalicelib.services.case_queries import CaseQueries

    return CaseQueries(case_reads())


@_built
def quotas() -> DynamoQuotas:
    from chalicelib.adapters.case_store import DynamoQuotas

    return DynamoQuotas(settings().table("cases"))


@_built
def after_commit() -> AfterCommit:
    """The performers of the post-commit table (services/after_commit.py), each built on first use.

    Each performer looks its service up when it runs: building the table builds no service, so the
    writers it follows (the case book, the outbound service, the partner registry) take it at
    construction without a cycle."""
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


@_built
def notice_queue() -> SqsNoticeQueue:
    from chalicelib.adapters.queues import SqsNoticeQueue

    return SqsNoticeQueue(settings().queue("notifications"))


@_built
def licences() -> LicenceProvider:
    """The root's e-licence provider, or the local stand-in (no national e-licence system is
    reachable from here)."""
    given = current().licences
    if given is not None:
        return given
    from chalicelib.adapters.licences import LocalLicenceProvider

    return LocalLicenceProvider(settings().table("catalog"), province=settings().province_code, clock=clock())


@_built
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
        clock=clock(),
    )


@_built
def reveals() -> RevealService:
    from chalicelib.services.reveal import RevealService

    return RevealService(cases(), quotas())


@_built
def joint() -> JointCoordinator:
    from chalicelib.services.joint import JointCoordinator

    return JointCoordinator(cases(), outbound(), settings().province_code)


@_built
def outbound() -> OutboundService:
    from chalicelib.adapters.queues import SqsOutboundQueue
    from chalicelib.services.outbound import OutboundService

    stage = settings()
    queue, dead = SqsOutboundQueue(stage.queue("outbound")), SqsOutboundQueue(stage.queue("outbound_dlq"))
    return OutboundService(
        message_store(),
        queue,
        dead,
        partners(),
        signer(),
        partner_transport(),
        stage.province_code,
        archive=evidence_archive(),
        clock=clock(),
        after_commit=after_commit(),
    )


@_built
def case_files() -> CaseFiles:
    from chalicelib.adapters.files import S3Files
    from chalicelib.services.case_files import CaseFiles

    stage = settings()
    return CaseFiles(
        partners(),
        signer(),
        S3Files(stage.bucket),
        partner_transport(),
        case_reads(),
        stage.province_code,
        refusals=message_store(),
        clock=clock(),
    )


@_built
def inbound() -> InboundService:
    from chalicelib.services.inbound import InboundService

    return InboundService(
        cases(),
        message_store(),
        case_files(),
        settings().province_code,
        catalog_messages=lambda received: catalog_replication().apply(received),
        clock=clock(),
    )


@_built
def materials() -> MaterialService:
    from chalicelib.adapters.files import S3Files
    from chalicelib.services.materials import MaterialService

    return MaterialService(cases(), S3Files(settings().bucket), licences())


@_built
def ratings() -> RatingService:
    from chalicelib.services.ratings import RatingService

    return RatingService(cases(), case_queries())


@_built
def deadlines() -> DeadlineService:
    from chalicelib.services.deadlines import DeadlineService

    return DeadlineService(cases(), case_queries())


@_built
def notices() -> NoticeService:
    from chalicelib.adapters.case_store import DynamoNoticeOutbox
    from chalicelib.adapters.notice_reads import DynamoNoticeReads
    from chalicelib.services.notices import NoticeService

    table = settings().table("cases")
    return NoticeService(DynamoNoticeOutbox(table), notice_queue(), DynamoNoticeReads(table), sms_notifier())


@_built
def sms_notifier() -> SmsNotifier:
    """SMS to walk-in applicants through the root's sender, or the one `Settings.sms` names
    (adapters/sms.py): the local stand-in in the local stage unless configured, none elsewhere
    unless configured."""
    from chalicelib.adapters.sms import DynamoSmsLedger, sms_sender
    from chalicelib.services.sms import SmsNotifier

    stage = settings()
    table = stage.table("cases")
    sender = current().sms or sms_sender(stage.sms, table)
    return SmsNotifier(case_reads(), sender, DynamoSmsLedger(table), stage.public_base_url or "")


def dev_sms_outbox() -> LocalSmsOutbox:
    """The local SMS stand-in's kept messages, for the operator's development read."""
    from chalicelib.adapters.sms import LocalSmsOutbox

    return LocalSmsOutbox(settings().table("cases"))


@_built
def walk_ins() -> WalkInService:
    from chalicelib.services.walkin import WalkInService

    return WalkInService(cases(), ratings(), quotas(), case_queries())


@_built
def partners() -> PartnerService:
    from chalicelib.adapters.partner_store import DynamoPartnerStore
    from chalicelib.services.partners import PartnerService

    stage = settings()
    return PartnerService(
        DynamoPartnerStore(stage.table("catalog")),
        stage.province_code,
        stage.stage,
        after_commit=after_commit(),
        clock=clock(),
    )


def _flush_when_active(partner: Partner) -> None:
    from chalicelib.domain.partners import PartnerStatus

    if partner.status is PartnerStatus.ACTIVE:
        outbound().flush(partner.code)


@_built
def signer() -> KmsSigner:
    from chalicelib.adapters.signing import KmsSigner

    return KmsSigner(settings().signing_key)


@_built
def message_store() -> DynamoMessageStore:
    from chalicelib.adapters.message_store import DynamoMessageStore

    return DynamoMessageStore(settings().table("cases"))


@_built
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
        clock=clock(),
    )


@_built
def evidence_archive() -> S3EvidenceArchive:
    from chalicelib.adapters.evidence import S3EvidenceArchive

    return S3EvidenceArchive(settings().evidence_bucket)


@_built
def evidence() -> EvidenceService:
    from chalicelib.services.evidence import EvidenceService

    own = signer()
    return EvidenceService(
        evidence_archive(),
        partners(),
        own,
        settings().province_code,
        own_key=own.public_jwk_of,
        clock=clock(),
    )


@_built
def dead_letters() -> DeadLetterService:
    from chalicelib.adapters.dead_letters import SqsDeadLetters
    from chalicelib.services.dead_letters import DeadLetterService

    return DeadLetterService(SqsDeadLetters(), settings().queue, outbound())


@_built
def window() -> WindowService:
    from chalicelib.services.window import WindowService

    return WindowService(cases(), case_queries(), binding())


@_built
def receipts() -> ReceiptService:
    from chalicelib.services.receipts import ReceiptService

    stage = settings()
    return ReceiptService(
        cases(), stage.windows, stage.public_base_url, print_link_key(), stage.province_code
    )


@_built
def shipments() -> ShipmentService:
    """资料寄递 at the handling province (the window's side goes through `window()`)."""
    from chalicelib.services.shipments import ShipmentService

    return ShipmentService(cases(), case_queries(), settings().province_code)


@_built
def binding() -> BindingService:
    from chalicelib.adapters.binding_store import DynamoBindingStore
    from chalicelib.services.binding import BindingService

    stage = settings()
    store = DynamoBindingStore(stage.table("cases"))
    return BindingService(signer(), partners(), store, stage.province_code, clock=clock())


@_built
def video_sessions() -> VideoSessions:
    """Video sessions with the province's configured provider (`Settings.video`), built on first use."""
    from chalicelib.services.video_sessions import VideoSessions

    return VideoSessions(
        cases(),
        video_provider,
        province=settings().province_code,
        partners=partners(),
        signer=signer(),
        http=partner_transport(),
        refusals=message_store(),
        clock=clock(),
    )


def announce_video_sessions(case: Case) -> None:
    """Builds the video service only for a case with a session the partner was not told of yet."""
    if any(not s.announced and s.home is None for s in case.video_sessions):
        video_sessions().announce_pending(case)


@_built
def video_provider() -> VideoProvider:
    """The root's video provider, or the one `Settings.video` names."""
    given = current().video_provider
    if given is not None:
        return given
    from chalicelib.adapters.video import provider_of

    return provider_of(settings().video)


@_built
def catalog_digests() -> CatalogDigests:
    from chalicelib.services.catalog_drift import CatalogDigests

    return CatalogDigests(
        catalog_store(), partners(), settings().province_code, refusals=message_store(), clock=clock()
    )


@_built
def catalog_drift() -> DriftMonitor:
    from datetime import timedelta

    from chalicelib.adapters.drift_store import DynamoDriftStore
    from chalicelib.services.catalog_drift import DriftMonitor

    stage = settings()
    return DriftMonitor(
        catalog_digests(),
        partners(),
        signer(),
        partner_transport(),
        DynamoDriftStore(stage.table("catalog")),
        stage.province_code,
        timedelta(minutes=stage.catalog_drift_alarm_minutes),
        clock=clock(),
    )
