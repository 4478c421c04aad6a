"""Case use cases (全程网办): open a draft, act on a case, read it, and who may do which.

Object-level authorization lives here, once: a case is visible to its applicant (by issuer and
subject), to the clerks of its handling authority in its province once it is submitted, and
read-only to the province's operators. Anyone else is told the case does not exist (404), so
numbers cannot be probed. `docs/authorization.md` lists who may do what, route by route.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.domain import personal
from chalicelib.domain.access import (  # re-exported: callers of the service import them from here too
    can_read,
    identity_key,
    is_handling_clerk,
    is_owner,
    is_principal,
    is_window_of,
    principal_key_of,
)
from chalicelib.domain.audit import ChainReport, verify_chain
from chalicelib.domain.case import (
    ENTRUSTMENT_SLOT,
    ActingFor,
    Agent,
    Applicant,
    Case,
    CaseExchange,
    Channel,
    Entrustment,
    EntrustmentMethod,
    EntrustmentState,
    FileStatus,
    Intake,
)
from chalicelib.domain.case_acts import By, Context, Outcome, owner_key, perform, record, take_form
from chalicelib.domain.case_exchange import ORIGIN, outgoing
from chalicelib.domain.case_factory import CaseItem, new_case
from chalicelib.domain.case_states import FINAL, Actor, CaseState
from chalicelib.domain.catalog_terms import Delivery, Mode
from chalicelib.domain.clock import Clock, rfc3339, system_clock
from chalicelib.domain.commands import Command, Deliver, IssueResult, Submit
from chalicelib.domain.entrustment import settled_payload
from chalicelib.domain.envelope import MessageType
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unverified
from chalicelib.domain.forms import check_form
from chalicelib.domain.identity import Assurance, Principal, Role, SubjectKind, VerifiedIdentity
from chalicelib.domain.intake_commands import OpenDraft, OpenIntake, UpdateForm
from chalicelib.domain.joint import check_lead_act
from chalicelib.domain.shipments import return_shipment
from chalicelib.services.case_book import CaseBook, CoordinationMark, Extra, ShipmentRecord, principal_owner
from chalicelib.services.case_queries import CaseQueries
from chalicelib.services.catalog import CatalogService
from chalicelib.services.licences import LicenceProvider

if TYPE_CHECKING:
    from chalicelib.services.outbound import OutboundService
    from chalicelib.services.partners import PartnerService

COORDINATION_GRACE = timedelta(minutes=1)


def check_applicant_fits(item: dict[str, Any], applicant: Applicant) -> None:
    """The item serves this kind of applicant (服务对象), verified at least as firmly as it asks.

    An applicant checked in person at a window (no `assurance`) meets every level.
    """
    kinds = item.get("applicant_kinds") or [SubjectKind.NATURAL_PERSON.value]
    if applicant.kind.value not in kinds:
        raise Forbidden("applicant_kind_not_served", kind=applicant.kind.value)
    needed = Assurance(item.get("min_assurance") or Assurance.ID_CHECK.value)
    if applicant.assurance is not None and not applicant.assurance.at_least(needed):
        raise Forbidden("assurance_too_low", needed=needed.value)


def acting_for_of(principal: Principal) -> ActingFor:
    """代办: the staff member who files and acts for an applicant (a window clerk), no personal data."""
    return ActingFor(
        role=principal.role.value,
        subject=principal.subject,
        issuer=principal.issuer,
        province=principal.province,
        window=principal.window,
    )


def by_of(principal: Principal) -> By:
    """The actor of an act: a window clerk acts for the applicant (代办), clerks for the authority."""
    actor = Actor.APPLICANT if principal.role in (Role.APPLICANT, Role.WINDOW_CLERK) else Actor.CLERK
    return By(
        actor=actor,
        role=principal.role.value,
        subject=principal.subject,
        province=principal.province,
        authority=principal.authority,
        window=principal.window,
        on_behalf_of="applicant" if principal.role is Role.WINDOW_CLERK else None,
    )


def by_for(principal: Principal, case: Case) -> By:
    """The actor of an act on `case`: an agent who filed it acts for its applicant (委托代办), so the
    event names the principal by role (`applicant`), never by personal data."""
    by = by_of(principal)
    if case.agent is not None and is_owner(principal, case):
        return replace(by, on_behalf_of="applicant")
    return by


GATEWAY = By(actor=Actor.GATEWAY, role="gateway", subject="tongban-gateway")

Person = TypeVar("Person", Applicant, Agent)


def _verified(
    model: type[Person], principal: Principal, identity: VerifiedIdentity, phone: str | None
) -> Person:
    """The caller as a case names them (申请人 or 代理人): their login and their verified identity
    (实名认证), never body text; `phone` is the identity's or, where it carries none, the one given
    (an applicant's is required: the model refuses None, as its constructor would)."""
    return model.model_validate(
        {
            "subject": principal.subject,
            "issuer": principal.issuer,
            "name": identity.name,
            "id_number": identity.id_number,
            "phone": phone,
            "kind": identity.kind,
            "credit_code": identity.credit_code,
            "entity_name": identity.entity_name,
            "assurance": identity.assurance,
        }
    )


class CaseService:
    def __init__(
        self,
        book: CaseBook,
        catalog: CatalogService,
        licences: LicenceProvider,
        province: str,
        clock: Clock = system_clock,
        outbound: OutboundService | None = None,
        partners: PartnerService | None = None,
        *,
        queries: CaseQueries,
    ) -> None:
        self.book = book
        self.queries = queries  # the read side (lists, views, sweeps): services/case_queries.py
        self._catalog = catalog
        self._licences = licences
        self._province = province
        self._clock = clock
        self._outbound = outbound
        self._partners = partners
        self._schemas: dict[tuple[str, int], dict[str, Any]] = {}

    @property
    def catalog(self) -> CatalogService:
        return self._catalog

    @property
    def province(self) -> str:
        """The province this gateway serves."""
        return self._province

    def now(self) -> datetime:
        return self._clock()

    def context(self) -> Context:
        return Context(at=self._clock(), calendar=self.book.calendar())

    # — access —

    def readable(self, principal: Principal, number: str) -> Case:
        return self._loaded(principal, number, can_read)

    def owned(self, principal: Principal, number: str) -> Case:
        return self._loaded(principal, number, is_owner)

    def windowed(self, principal: Principal, number: str) -> Case:
        return self._loaded(principal, number, is_window_of)

    def handled(self, principal: Principal, number: str) -> Case:
        return self._loaded(principal, number, is_handling_clerk)

    def _loaded(self, principal: Principal, number: str, may: Callable[[Principal, Case], bool]) -> Case:
        """The case if `may` lets the caller at it; else not found (no existence leak)."""
        case = self.book.load(number)
        if not may(principal, case):
            raise NotFound("case_not_found")
        return case

    # — applicant —

    def open_draft(self, principal: Principal, command: OpenDraft) -> Case:
        """A draft for an item, handled here or — 全程网办 from the home gateway — forwarded on submit."""
        agent = None
        if command.on_behalf_of is not None:
            if command.applicant is not None:  # one says who the caller is, the other whom they file for
                conflict = {"field": "applicant", "code": "not_with_on_behalf_of"}
                raise InvalidInput("validation_failed", errors=[conflict])
            applicant, agent = self.entrusted_applicant(principal, command.on_behalf_of.fields())
        else:
            applicant = self.verified_applicant(
                principal, command.applicant.fields() if command.applicant is not None else {}
            )
        mode = command.mode
        if mode is None:
            modes = self._catalog.item_detail(command.item_code)["modes"]
            joint_only = Mode.JOINT.value in modes and Mode.FULL_ONLINE.value not in modes
            mode = Mode.JOINT if joint_only else Mode.FULL_ONLINE
        if mode is Mode.JOINT and command.province not in (None, self._province):
            raise Conflict("province_not_served", mode=mode.value)  # a joint case is led where it is filed
        return self.open(principal, command, applicant, mode=mode, channel=Channel.MOBILE, agent=agent)

    def entrusted_applicant(self, principal: Principal, named: dict[str, Any]) -> tuple[Applicant, Agent]:
        """委托代办: the applicant (委托人) the body names and the agent (代理人), who is the caller.

        The agent's identity is their token's, never body text; the principal is taken as named
        (validated as personal data) and proven later by an entrustment. The login that owns and
        acts on the case is the agent's.
        """
        identity = principal.identity
        if identity is None:
            raise Unverified()
        applicant = self.applicant_of(named, issuer=principal.issuer, subject=principal.subject)
        if principal_key_of(applicant) == identity_key(principal):
            raise InvalidInput(
                "validation_failed", errors=[{"field": "on_behalf_of", "code": "same_as_caller"}]
            )
        applicant = applicant.model_copy(update={"assurance": identity.assurance})
        return applicant, _verified(Agent, principal, identity, identity.phone)

    def open(
        self,
        principal: Principal,
        command: OpenDraft | OpenIntake,
        applicant: Applicant,
        *,
        mode: Mode,
        channel: Channel,
        intake: Intake | None = None,
        extra: list[dict[str, Any]] | None = None,
        agent: Agent | None = None,
    ) -> Case:
        """A draft under the item's current version; another province's item makes a shared case."""
        handling = command.province or self._province
        exchange = None
        if handling != self._province:
            partner = self._partners.get(handling) if self._partners else None
            if partner is None or partner.status.value != "active":
                raise Conflict("province_not_served", mode=mode.value)
            exchange = CaseExchange(role=ORIGIN, partner=handling)
        elif mode is Mode.PROXY_INTAKE:
            raise Conflict("province_not_served", mode=mode.value)  # 异地代收 is for another province
        detail = self._catalog.item_detail(command.item_code)
        item = CaseItem.of(detail)
        if not item.serves(mode):
            raise Conflict("mode_not_supported", mode=mode.value)
        check_applicant_fits(detail, applicant)
        item.implementation_at(handling)  # before the form: an item not handled there is refused first
        form = dict(command.form)
        check_form(item.form_schema, form, partial=True)
        now = self._clock()
        case = new_case(
            item,
            province=handling,
            origin_province=self._province,
            mode=mode,
            channel=channel,
            applicant=applicant,
            at=now,
            form=form,
            agent=agent,
            intake=intake,
            acting_for=acting_for_of(principal) if principal.role is Role.WINDOW_CLERK else None,
            exchange=exchange,
        )
        event = record(case, "open", by_for(principal, case), now, {"item_version": case.item_version}).event
        return self.book.create(case, event, extra or [])

    def verified_applicant(self, principal: Principal, named: dict[str, Any]) -> Applicant:
        """The applicant of an app draft: the caller's verified identity (实名认证), never body text.

        A body naming someone else (another ID number, name or legal person) is refused with
        `applicant_not_caller`; the phone may come from the body when the token carries none.
        """
        identity = principal.identity
        if identity is None:
            raise Unverified()
        given, errors = personal.validate_applicant_fields(
            named, [name for name in personal.APPLICANT_CHECKS if named.get(name) is not None]
        )
        if errors:
            raise InvalidInput("validation_failed", errors=errors)
        own = {"name": identity.name, "id_number": identity.id_number, "credit_code": identity.credit_code}
        if any(given[k] != v for k, v in own.items() if k in given):
            raise Forbidden("applicant_not_caller")
        phone = identity.phone or given.get("phone")
        if phone is None:
            missing = {"field": personal.MOBILE_FIELD, "code": "missing"}
            raise InvalidInput("validation_failed", errors=[missing])
        return _verified(Applicant, principal, identity, phone)

    def applicant_of(self, data: dict[str, Any], *, issuer: str, subject: str) -> Applicant:
        """The applicant a window clerk checked in person: a natural person, or — with `credit_code`
        and `entity_name` — a legal person and the employee acting for it, who is present."""
        legal = data.get("credit_code") is not None
        fields = ["name", "id_number", "phone", *(["credit_code"] if legal else [])]
        values, errors = personal.validate_applicant_fields(data, fields)
        if legal != bool(data.get("entity_name")):
            field = "applicant.entity_name" if legal else personal.CREDIT_CODE_FIELD
            errors.append({"field": field, "code": "missing"})
        if errors:
            raise InvalidInput("validation_failed", errors=errors)
        return Applicant(
            subject=subject,
            issuer=issuer,
            name=values["name"],
            id_number=values["id_number"],
            phone=values["phone"],
            kind=SubjectKind.LEGAL_PERSON if legal else SubjectKind.NATURAL_PERSON,
            credit_code=values.get("credit_code"),
            entity_name=data.get("entity_name") if legal else None,
        )

    def update_form(self, principal: Principal, number: str, command: UpdateForm) -> Case:
        form = dict(command.form)  # the item's schema shapes it (check_form), not the gateway
        case = self.owned(principal, number)
        if case.state not in (CaseState.DRAFT, CaseState.PRE_REVIEW_RETURNED, CaseState.SUPPLEMENT_REQUESTED):
            raise Conflict("case_not_editable", state=case.state.value)
        check_form(self.form_schema(case), form, partial=True)
        outcome = record(
            case, "update_form", by_for(principal, case), self._clock(), {"fields": sorted(form)}
        )
        take_form(outcome.case, form)
        return self.book.save(case, [outcome])

    def check_complete_form(self, case: Case) -> None:
        """Before submitting: the form as the item version's schema wants it, required fields too."""
        check_form(self.form_schema(case), case.form, partial=False)

    def form_schema(self, case: Case) -> dict[str, Any]:
        """The form schema of the case's item version; versions never change, so it is cached."""
        key = (case.item_code, case.item_version)
        if key not in self._schemas:
            version = self._catalog.item_version(*key)
            self._schemas[key] = version["definition"]["form_schema"]
        return self._schemas[key]

    def act(self, principal: Principal, number: str, command: Command) -> Case:
        """An applicant's, a window's (代办) or a clerk's act on a case: load the case the caller may
        act on, perform the command, save the outcome with the partner's message (outbox)."""
        if principal.role is Role.APPLICANT:
            case = self.owned(principal, number)
        elif principal.role is Role.WINDOW_CLERK:
            case = self.windowed(principal, number)
        else:
            case = self.handled(principal, number)
        if isinstance(command, Submit):
            self.check_complete_form(case)
        check_lead_act(case, command.act)  # 多地联办: its coordinator ends a joint case, from its parts
        outcome = perform(case, command, by_for(principal, case), self.context())
        sides: list[Extra] = []
        shipment = None
        if isinstance(command, IssueResult) and command.licence_type:
            # Issued only once the act is known to be allowed; the provider answers a retry of the
            # same case and type with the licence it issued before.
            assert outcome.case.result is not None
            reference = self._issue_licence(case, command.licence_type, command.title)
            outcome.case.result.licence_ref = reference
            outcome.event["details"]["licence_ref"] = reference
        elif isinstance(command, IssueResult) and command.tracking_number:
            # 出证 by mail: the return shipment, recorded here and sent with the result
            shipment = return_shipment(outcome.case, outcome.case.updated_at, self._province)
            if shipment is not None:
                outcome.event["details"]["shipment"] = shipment["id"]
                sides.append(ShipmentRecord(shipment))
        messages = self.act_messages(case, outcome, command, shipment=shipment)
        return self.save_with_messages(case, [outcome], messages, sides)

    # — 委托代办: the entrustment —

    def verify_entrustment(
        self, principal: Principal, number: str, verified: bool, reason: str | None
    ) -> Case:
        """The handling clerk's check of the 授权委托书 given as a material, on the audit chain."""
        case = self.handled(principal, number)
        entrustment = self._entrustment_open(case)
        if verified and not any(
            f.slot == ENTRUSTMENT_SLOT and f.status is FileStatus.VERIFIED for f in case.files
        ):
            raise Conflict("entrustment_document_missing", slot=ENTRUSTMENT_SLOT)
        state = EntrustmentState.VERIFIED if verified else EntrustmentState.REFUSED
        act = "entrustment_verified" if verified else "entrustment_refused"
        return self._settle_entrustment(
            case,
            entrustment,
            state,
            EntrustmentMethod.DOCUMENT,
            principal.subject,
            by_of(principal),
            act,
            reason,
        )

    def authorise_entrustment(self, principal: Principal, number: str) -> Case:
        """授权: the principal, logged in with their own verified identity, authorises the agent on
        this case. Anyone else is told the case does not exist."""
        case = self.book.load(number)
        if not is_principal(principal, case):
            raise NotFound("case_not_found")
        entrustment = self._entrustment_open(case)
        by = by_of(principal)  # the principal acts for themselves
        return self._settle_entrustment(
            case,
            entrustment,
            EntrustmentState.VERIFIED,
            EntrustmentMethod.AUTHORISED,
            "principal",
            by,
            "entrustment_authorised",
            None,
        )

    def _entrustment_open(self, case: Case) -> Entrustment:
        if case.agent is None or case.entrustment is None:
            raise Conflict("entrustment_not_needed", state=case.state.value)
        if case.entrustment.verified:
            raise Conflict("entrustment_already_verified", state=case.state.value)
        if case.state in FINAL or case.accepted_at is not None:
            raise Conflict("case_not_editable", state=case.state.value)
        return case.entrustment

    def _settle_entrustment(
        self,
        case: Case,
        entrustment: Entrustment,
        state: EntrustmentState,
        method: EntrustmentMethod,
        who: str,
        by: By,
        act: str,
        reason: str | None,
    ) -> Case:
        now = self._clock()
        outcome = record(case, act, by, now, {"method": method.value, "reason": reason})
        outcome.case.entrustment = entrustment.model_copy(
            update={"state": state, "method": method, "reason": reason, "at": now, "by": who}
        )
        # the other side of a shared case waits for it (the handler's acceptance) or shows it (home);
        # a draft is not shared yet: its forwarding carries the entrustment
        told = (
            []
            if case.state is CaseState.DRAFT
            else self.tell_partner(
                case, outcome, MessageType.ENTRUSTMENT_SETTLED, settled_payload(outcome.case)
            )
        )
        return self.save_with_messages(case, [outcome], told)

    def act_messages(
        self,
        case: Case,
        outcome: Outcome,
        command: Command,
        *,
        shipments: list[dict[str, Any]] | None = None,
        shipment: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The message that tells the partner province of this act, if the case is shared; the
        shipments a window dispatch carries and the return shipment of a result mailed travel with it."""
        kind = outgoing(outcome.case, command.act)
        if kind is None or self._outbound is None:
            return []
        outbound = self._outbound
        return self._stamped(
            case,
            outcome,
            lambda: outbound.for_act(
                case, outcome.case, command, kind, shipments=shipments, shipment=shipment
            ),
        )

    def tell_partner(
        self, case: Case, outcome: Outcome, kind: MessageType, payload: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The message of `kind` telling the partner of a shared case about an event that is no act
        of the state table (e.g. a reveal); none for a case shared with nobody."""
        if case.exchange is None or self._outbound is None:
            return []
        outbound = self._outbound
        return self._stamped(case, outcome, lambda: outbound.message(outcome.case, kind, payload))

    def _stamped(
        self, case: Case, outcome: Outcome, build: Callable[[], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The message `build` makes once the case's outgoing sequence is advanced; the event names it."""
        assert outcome.case.exchange is not None
        if case.exchange is not None:
            outcome.case.exchange.out_seq = case.exchange.out_seq + 1
        message = build()
        outcome.event["details"]["message"] = {
            "id": message["id"],
            "type": message["type"],
            "to": message["to"],
        }
        return [message]

    def save_with_messages(
        self,
        case: Case,
        outcomes: list[Outcome],
        messages: list[dict[str, Any]],
        extra: Sequence[Extra] | None = None,
    ) -> Case:
        """Commit the act with its outgoing messages (outbox); the book hands them to the sender."""
        sides: list[Extra] = [*(extra or []), *self.coordination_marks(case)]
        if self._outbound is not None:
            sides.extend(self._outbound.item(m) for m in messages)
        saved = self.book.save(case, outcomes, extra=sides, messages=messages)
        self.saved(saved)
        return saved

    def coordination_marks(self, case: Case) -> list[Extra]:
        """A part of a joint case led here: mark its joint case for coordination, in the same write,
        so a coordinator dying after this commit is caught up by the relay."""
        if case.joint is None or case.joint.lead_province != self._province:
            return []
        due = rfc3339(self._clock() + COORDINATION_GRACE)
        return [CoordinationMark(case.joint.parent, due)]

    def saved(self, case: Case) -> None:
        """A person or partner changed the case (committed): run what the post-commit table lists
        for it (services/after_commit.py: joint coordination, video announcements)."""
        self.book.acted(case)

    def _issue_licence(self, case: Case, licence_type: str, title: str) -> str:
        """A result issued as an e-licence (电子证照) goes to the applicant's licence wallet."""
        a = case.applicant
        legal = a.kind is SubjectKind.LEGAL_PERSON
        licence = self._licences.issue(
            a.id_number,
            a.entity_name if legal and a.entity_name else a.name,
            licence_type,
            title,
            case.handler.authority_name,
            case.number,
            entity_credit_code=a.credit_code if legal else None,
        )
        return licence.reference

    def deliver_on_download(self, case: Case) -> Case:
        """The first download of an electronic result by its applicant is its delivery (送达)."""
        if case.state is not CaseState.RESULT_ISSUED or case.result is None:
            return case
        if case.result.delivery is not Delivery.ELECTRONIC:
            return case  # mail and window pick-up are delivered when the clerk records the receipt
        command = Deliver(how="download")
        outcome = perform(case, command, GATEWAY, self.context())
        try:  # a shared case: the delivery reaches the other province with its time
            return self.save_with_messages(case, [outcome], self.act_messages(case, outcome, command))
        except Conflict:
            return self.book.load(case.number)  # someone else recorded it first

    # — reads —

    def _with_events(self, principal: Principal, number: str) -> tuple[Case, list[dict[str, Any]]]:
        """The case and its timeline in one query, for those who may read the case."""
        case, events = self.queries.with_events(number)
        if case is None or not can_read(principal, case):
            raise NotFound("case_not_found")
        return case, events

    def timeline(self, principal: Principal, number: str) -> tuple[Case, list[dict[str, Any]]]:
        return self._with_events(principal, number)

    def verify_audit(self, principal: Principal, number: str) -> tuple[Case, ChainReport]:
        case, events = self._with_events(principal, number)
        report = verify_chain(events)
        if report.ok and (len(events) != case.seq or (events and events[-1]["hash"] != case.last_hash)):
            report = ChainReport(
                ok=False, length=len(events), first_broken=len(events) + 1, reason="truncated"
            )
        return case, report

    def save(self, case: Case, outcomes: list[Outcome], extra: Sequence[Extra] | None = None) -> Case:
        return self.book.save(case, outcomes, extra=extra or [])

    def my_cases(
        self, principal: Principal, limit: int, position: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """我的办件: the caller's cases and, 委托代办, those agents filed for them, newest first."""
        owners = {"own": self.owner_of(principal)}
        entrusted = principal_owner(identity_key(principal))
        if entrusted is not None:
            owners["entrusted"] = entrusted
        return self.queries.my_cases(owners, limit, position)

    def owner_of(self, principal: Principal) -> str:
        return owner_key(principal.issuer, principal.subject)
