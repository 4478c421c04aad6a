"""Remote proxy intake (异地代收代办) at a cross-region window: the clerk checks identity in person,
opens the case for an item another province handles, records consent, scans materials and checks
originals (trust level B), issues the intake receipt (收件告知单), dispatches the package, and at
the end hands the result over (出件). Shipments (资料寄递) are records of their own.

An intake belongs to an opaque window subject unless the applicant shows their app's binding code
(绑定码), at intake or later while the case is still at the window: only then is the app account
named in the code linked (ADR 0008)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import personal
from chalicelib.domain.case import Case, Channel, Consent, FileStatus, Handover, IdentityCheck, Intake
from chalicelib.domain.case_acts import By, notice_for, perform, record
from chalicelib.domain.case_states import Actor, CaseState
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.commands import Deliver, Submit
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.intake_commands import CheckOriginal, OpenIntake, RecordConsent
from chalicelib.domain.query_code import issue_query_code
from chalicelib.domain.shipment_commands import RecordShipment, RecordShipmentEvent
from chalicelib.domain.shipments import CONSENT_SLOT, unaccounted_originals
from chalicelib.services.binding import BindingService
from chalicelib.services.case_book import Page
from chalicelib.services.case_queries import CaseQueries
from chalicelib.services.cases import CaseService, by_of
from chalicelib.services.licences import TrustLevel
from chalicelib.services.shipments import ShipmentService

WINDOW_ISSUER = "window:"  # the issuer of an intake no app account is bound to: window:<window id>


class WindowService:
    def __init__(self, cases: CaseService, queries: CaseQueries, bindings: BindingService) -> None:
        self._cases = cases
        self._queries = queries
        self._bindings = bindings
        self._shipments = ShipmentService(cases, queries, cases.province)

    def open_intake(self, principal: Principal, command: OpenIntake) -> Case:
        """The clerk has checked the applicant's identity in person; the case is opened for them."""
        now = self._cases.now()
        shown = command.identity_check
        identity = IdentityCheck(at=now, by=principal.subject, method=shown.method, document=shown.document)
        data = command.applicant.fields()
        # not logged in here: an opaque subject keyed to the ID number, never the number itself
        applicant = self._cases.applicant_of(
            data,
            issuer=WINDOW_ISSUER + (principal.window or ""),
            subject="intake:" + personal.holder_key(data["id_number"])[:32],
        )
        intake = Intake(
            window=principal.window or "",
            province=principal.province or "",
            identity=identity,
            query_code=issue_query_code(),
        )
        token = command.binding_code
        if token is None:
            return self._cases.open(
                principal, command, applicant, mode=Mode.PROXY_INTAKE, channel=Channel.WINDOW, intake=intake
            )
        # the applicant showed their app's code: the case and its notices reach them there too
        code = self._bindings.redeem(token, applicant.id_number)
        bound = applicant.model_copy(update={"issuer": code.issuer, "subject": code.subject})
        return self._bindings.consume(
            code,
            lambda extra: self._cases.open(
                principal,
                command,
                bound,
                mode=Mode.PROXY_INTAKE,
                channel=Channel.WINDOW,
                intake=intake,
                extra=extra,
            ),
        )

    def bind_app_account(self, principal: Principal, number: str, token: str) -> Case:
        """Link the app account of a binding code to an intake not yet dispatched."""
        case = self._cases.windowed(principal, number)
        if case.state is not CaseState.DRAFT:
            raise Conflict("case_not_editable", state=case.state.value)
        if not case.applicant.issuer.startswith(WINDOW_ISSUER):
            raise Conflict("app_account_already_bound")
        code = self._bindings.redeem(token, case.applicant.id_number)
        outcome = record(
            case,
            "app_account_bound",
            by_of(principal),
            self._cases.now(),
            {"binding_code": code.id, "issuing_province": code.province},
        )
        outcome.case.applicant = outcome.case.applicant.model_copy(
            update={"issuer": code.issuer, "subject": code.subject}
        )
        outcome.notice = notice_for(outcome.case, outcome.event)
        return self._bindings.consume(code, lambda extra: self._cases.save(case, [outcome], extra))

    def record_consent(self, principal: Principal, number: str, command: RecordConsent) -> Case:
        case = self._cases.windowed(principal, number)
        file_id = command.file_id
        if file_id is not None:  # 服务同意书 scanned into the consent slot, and checked
            file = case.file(file_id)
            if file is None or file.slot != CONSENT_SLOT or file.status is not FileStatus.VERIFIED:
                raise InvalidInput(
                    "consent_file_not_in_case", errors=[{"field": "file_id", "code": "not_in_consent_slot"}]
                )
        now = self._cases.now()
        details = {"method": command.method, **({"file_id": file_id} if file_id else {})}
        outcome = record(case, "consent_recorded", by_of(principal), now, details)
        assert outcome.case.intake is not None
        outcome.case.intake.consent = Consent(method=command.method, file_id=file_id, at=now)
        return self._cases.save(case, [outcome])

    def check_original(self, principal: Principal, number: str, file_id: str, command: CheckOriginal) -> Case:
        """原件核验: the scan matches the original the clerk holds (trust level B); mark it for mail."""
        case = self._cases.windowed(principal, number)
        file = case.file(file_id)
        if file is None or file.status is not FileStatus.VERIFIED or file.licence_ref:
            raise NotFound("file_not_found")
        mail = command.mail_original
        outcome = record(
            case,
            "original_checked",
            by_of(principal),
            self._cases.now(),
            {"file_id": file_id, "mail_original": mail},
        )
        changed = outcome.case.file(file_id)
        assert changed is not None and outcome.case.intake is not None
        changed.trust_level = TrustLevel.B.value
        if mail and file.slot not in outcome.case.intake.originals_to_mail:
            outcome.case.intake.originals_to_mail.append(file.slot)
        return self._cases.save(case, [outcome])

    def dispatch(self, principal: Principal, number: str) -> Case:
        """Send the intake package to the handling province (the applicant's submit, by proxy)."""
        case = self._cases.windowed(principal, number)
        if case.intake is None or case.intake.consent is None:
            raise Conflict("consent_missing", state=case.state.value)
        unaccounted = unaccounted_originals(case)
        if unaccounted and case.state is CaseState.DRAFT:
            raise Conflict("originals_unaccounted", materials=unaccounted)
        self._cases.check_complete_form(case)
        command = Submit()
        outcome = perform(case, command, by_of(principal), self._cases.context())
        intake = outcome.case.intake
        assert intake is not None
        intake.dispatched_at = outcome.case.updated_at
        if intake.receipt_issued_at is None:
            intake.receipt_issued_at = outcome.case.updated_at
        # shipments recorded before dispatch travel with the package
        shipments = self._queries.shipments(case.number)
        messages = self._cases.act_messages(case, outcome, command, shipments=shipments)
        return self._cases.save_with_messages(case, [outcome], messages)

    def hand_over(self, principal: Principal, number: str, to_whom: str, identity_checked: bool) -> Case:
        """出件: the result handed over at the window, after an identity check (送达)."""
        case = self._cases.windowed(principal, number)
        by = By(
            actor=Actor.CLERK,
            role=principal.role.value,
            subject=principal.subject,
            province=principal.province,
            window=principal.window,
        )
        if not identity_checked:
            raise Conflict("identity_not_checked", state=case.state.value)
        command = Deliver(how="window_handover")
        outcome = perform(case, command, by, self._cases.context())
        assert outcome.case.intake is not None
        outcome.case.intake.handover = Handover(
            to_whom=to_whom,
            identity_checked=identity_checked,
            at=outcome.case.updated_at,
            by=principal.subject,
        )
        messages = self._cases.act_messages(case, outcome, command)
        return self._cases.save_with_messages(case, [outcome], messages)

    # — shipments (资料寄递) —

    def add_shipment(self, principal: Principal, number: str, command: RecordShipment) -> dict[str, Any]:
        return self._shipments.add(principal, self._cases.windowed(principal, number), command)

    def shipment_event(
        self, principal: Principal, number: str, shipment_id: str, command: RecordShipmentEvent
    ) -> dict[str, Any]:
        case = self._cases.windowed(principal, number)
        return self._shipments.event(principal, case, shipment_id, command)

    def shipments(self, principal: Principal, number: str) -> list[dict[str, Any]]:
        case = self._cases.readable(principal, number)
        return self._queries.shipments(case.number)

    def queue(
        self, principal: Principal, limit: int, start: dict[str, Any] | None, state: str | None
    ) -> Page:
        """The window's cases, most urgent first (补正 that came back are here)."""
        return self._queries.inbox(principal, limit, start, state=state)
