"""The exchange message contract: the committed JSON Schemas are what the code declares, they are
valid draft 2020-12, every frozen v1 fixture still validates (backward compatibility), and the
payloads the code builds today validate too."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.api.message_schemas import message_schemas, render
from chalicelib.domain.case import (
    Case,
    CaseExchange,
    Channel,
    Consent,
    Entrustment,
    EntrustmentMethod,
    EntrustmentState,
    FileStatus,
    FollowUp,
    Handler,
    Handover,
    IdentityCheck,
    Intake,
    MaterialFile,
    OriginalCheck,
    Rating,
    RatingChannel,
    RatingLevel,
    VideoSession,
)
from chalicelib.domain.case_acts import By, Context, perform
from chalicelib.domain.case_exchange import outgoing, status_payload
from chalicelib.domain.case_states import RESULT_SLOT, Act, Actor
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.clock import BEIJING, rfc3339
from chalicelib.domain.entrustment import settled_payload
from chalicelib.domain.envelope import Envelope, MessageType, payload_digest
from chalicelib.domain.messages import FileRef
from chalicelib.domain.personal import PersonalKind
from chalicelib.domain.rating_exchange import closed_payload, rated_payload
from chalicelib.domain.reveal import reveal, revealed_payload
from chalicelib.domain.shipments import advance, new_shipment, original_checked_payload, originals_back
from chalicelib.domain.video import Joiner, ended_payload, joined_payload, scheduled_payload
from chalicelib.domain.working_days import WorkingCalendar
from chalicelib.services.exchange import ExchangeService
from chalicelib.services.outbound import OutboundService, forwarded_payload
from infra.local.seed_licences import dev_applicants
from tests.conftest import ROOT
from tests.factories import case_model, command_of, pdf_slot, working_calendar_2025_2026

SCHEMA_DIR = ROOT / "openapi" / "messages" / "v1"
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "messages" / "v1"
NAMES = [
    "envelope",
    "receipt",
    "fetch",
    "digests",
    "video-join",
    "catalog-fetch",
    "catalog-statement",
    *(kind.value for kind in MessageType),
]
NUMBER = "430000-20250303-7KQ2M9XA"
PARTNER = "450000"

PERSON = next(a for a in dev_applicants() if a["subject"] == "dev-applicant-2")
APPLICANT = By(actor=Actor.APPLICANT, role="applicant", subject="dev-applicant-2")
CLERK = By(
    actor=Actor.CLERK,
    role="authority_clerk",
    subject="dev-authority-clerk-1",
    province="450000",
    authority="A-450000-01",
)
WINDOW = By(
    actor=Actor.APPLICANT,
    role="window_clerk",
    subject="dev-window-clerk-1",
    province="450000",
    window="W-450000-01",
)


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(name: str, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(instance)]


# — (a) drift, (b) validity, (e) coverage —


def test_committed_schemas_match_the_code() -> None:
    generated = message_schemas()
    committed = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    assert committed == set(generated), "run `python -m chalicelib.api.message_schemas` and commit"
    for name, schema in generated.items():
        assert (SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8") == render(schema), (
            f"openapi/messages/v1/{name}.json drifted from the code: "
            "run `python -m chalicelib.api.message_schemas` and commit the result"
        )


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_valid_draft_2020_12_with_its_id(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://tongban.gov.cn/schemas/messages/v1/{name}.json"
    assert schema["title"]


def test_every_message_type_has_a_schema_and_a_fixture() -> None:
    for name in NAMES:
        assert (SCHEMA_DIR / f"{name}.json").is_file(), f"no schema for {name}"
        assert (FIXTURE_DIR / f"{name}.json").is_file(), f"no v1 fixture for {name}"
    assert set(message_schemas()) == set(NAMES)


# — (c) backward compatibility: a published v1 message keeps validating —


@pytest.mark.parametrize("fixture", sorted(FIXTURE_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_v1_fixture_validates_against_the_current_schema(fixture: Path) -> None:
    instance = json.loads(fixture.read_text(encoding="utf-8"))
    assert fixture.stem in NAMES, f"a fixture for an unknown message type: {fixture.name}"
    assert problems(fixture.stem, instance) == [], (
        f"{fixture.name} no longer validates: a v1 message already sent would be refused"
    )


def test_the_envelope_fixture_binds_the_forwarded_fixture_and_the_receipt_answers_it() -> None:
    def load(name: str) -> Any:
        return json.loads((FIXTURE_DIR / f"{name}.json").read_text(encoding="utf-8"))

    envelope, receipt = load("envelope"), load("receipt")
    assert envelope["type"] == "case.forwarded"
    assert envelope["payload_sha256"] == payload_digest(load("case.forwarded"))
    assert Envelope.from_claims(envelope).claims() == envelope
    assert (receipt["receipt_for"], receipt["payload_sha256"]) == (envelope["id"], envelope["payload_sha256"])
    assert (receipt["from"], receipt["to"]) == (envelope["to"], envelope["from"])


# — (d) what the code sends today —


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=BEIJING)


@cache
def calendar() -> WorkingCalendar:
    return working_calendar_2025_2026()  # type: ignore[no-any-return]


def pdf(file_id: str, slot: str, filename: str, created: datetime) -> MaterialFile:
    return MaterialFile(
        file_id=file_id,
        slot=slot,
        filename=filename,
        content_type="application/pdf",
        size=245_760,
        sha256="3f" * 32,
        key=f"cases/{NUMBER}/{slot}/{file_id}",
        status=FileStatus.VERIFIED,
        trust_level="C",
        created_at=created,
        checked_at=created,
    )


def draft(*, immediate: bool = False) -> Case:
    """A 工业产品生产许可证 case forwarded by 湖南 to 广西; the business licence is an e-licence."""
    created = at(3, 8)
    licence = MaterialFile(
        file_id="F7KQ2M9XAHW3P",
        slot="business_licence",
        filename="营业执照",
        licence_ref="EL-450000-20180412-DEV20010",
        status=FileStatus.VERIFIED,
        trust_level="A",
        created_at=created,
        checked_at=created,
    )
    pending = pdf("FPENDING00001", "test_report", "检验报告.pdf", created).model_copy(
        update={"status": FileStatus.PENDING}
    )
    case: Case = case_model(
        "dev-applicant-2",
        number=NUMBER,
        item_version=2,
        immediate=immediate,
        allows_deferred_acceptance=True,
        allows_commitment=True,
        handler=Handler(
            province="450000",
            authority="A-450000-01",
            authority_name="广西壮族自治区市场监督管理局",
            channel=Channel.MOBILE,
        ),
        form={"enterprise_name": "南宁测试电线电缆有限公司", "product_units": ["建筑用绝缘电线"]},
        slots=[
            pdf_slot("business_licence", "营业执照"),
            pdf_slot("application_form", "工业产品生产许可证申请书"),
            pdf_slot("commitment_letter", "告知承诺书", required=False),
            pdf_slot("test_report", "产品检验合格报告", required=False),
        ],
        files=[licence, pdf("F3HW8PZ4CMN2Q", "application_form", "申请书.pdf", created), pending],
        created_at=created,
        exchange=CaseExchange(role="origin", partner="450000"),
    )
    return case


def outbound() -> OutboundService:
    dummy: Any = object()
    return OutboundService(dummy, dummy, dummy, dummy, dummy, dummy, "430000", after_commit=dummy)


def step(
    case: Case,
    act: Act,
    when: datetime,
    *,
    role: str | None = None,
    prepare: Callable[[Case], None] | None = None,
    **params: Any,
) -> tuple[Case, dict[str, Any]]:
    """Perform `act` and build the message it sends, as `CaseService.act` does."""
    by = APPLICANT if act in (Act.SUBMIT, Act.ANSWER_SUPPLEMENT, Act.WITHDRAW) else CLERK
    command = command_of(act, **params)
    after = perform(case, command, by, Context(at=when, calendar=calendar())).case
    if prepare is not None:
        prepare(after)
    role = role or ("origin" if by is APPLICANT else "handler")
    after.exchange = CaseExchange(role=role, partner=PARTNER, out_seq=after.seq + 1)
    kind = outgoing(after, act)
    if kind is None:
        return after, {}
    record = outbound().for_act(
        case, after, command, kind, shipments=params.get("shipments"), shipment=params.get("shipment")
    )
    assert record["type"] == kind.value and record["payload_sha256"] == payload_digest(record["payload"])
    return after, record


def at_the_window() -> Case:
    """异地代收 at a 长沙 window for 南京: identity checked, consent signed, originals checked."""
    checked = at(10, 14, 20)
    case = draft().model_copy(deep=True)
    case.number = "430000-20250310-3HW8PZ4C"
    case.item_code, case.item_name, case.mode = "KSTB-RS-002", "社会保障卡申领", Mode.PROXY_INTAKE
    case.handler = Handler(
        province="320000",
        authority="A-320000-01",
        authority_name="南京市人力资源和社会保障局",
        channel=Channel.WINDOW,
    )
    case.applicant = case.applicant.model_copy(
        update={"subject": "intake:" + "5c" * 16, "issuer": "window:W-430100-01"}
    )
    case.slots = [pdf_slot("id_card", "居民身份证"), pdf_slot("photo", "近期正面免冠彩色证件照片")]
    case.files = [
        pdf("FW4TZ8KQ2M9XA", "id_card", "居民身份证（正反面）.pdf", checked).model_copy(
            update={"trust_level": "B"}
        ),
        pdf("FW4TZ8KQ2M9XB", "photo", "证件照.pdf", checked).model_copy(update={"trust_level": "B"}),
    ]
    case.form = {
        "insured_city": "南京市",
        "bank": "中国工商银行",
        "delivery": "窗口领取",
        "mobile": "13800000003",
    }
    case.intake = Intake(
        window="W-430100-01",
        province="430000",
        identity=IdentityCheck(
            method="id_card_reader", document="居民身份证", at=checked, by="dev-window-clerk-1"
        ),
        consent=Consent(method="paper_scan", file_id="FCONSENT00001", at=checked),
        originals_to_mail=["id_card"],
    )
    return case


def built_messages() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, type, payload) of the messages the code builds along the ways a case may go."""
    out: list[tuple[str, str, dict[str, Any]]] = []

    def go(label: str, case: Case, act: Act, when: datetime, **params: Any) -> Case:
        after, record = step(case, act, when, **params)
        assert record, f"{label}: {act.value} sent no message"
        if record:
            out.append((label, record["type"], record["payload"]))
        return after

    submitted = go("forwarded", draft(), Act.SUBMIT, at(3, 10, 15))
    out.append(("forwarded_payload", "case.forwarded", forwarded_payload(submitted)))
    out.append(("forwarded_unsubmitted", "case.forwarded", forwarded_payload(draft())))

    go(
        "not_accepted",
        submitted,
        Act.REFUSE,
        at(4),
        reason="申请取证产品不在目录内",
        legal_basis="《行政许可法》第三十二条",
    )
    go("withdrawn_no_reason", submitted, Act.WITHDRAW, at(4))
    early = go(
        "supplement_before_acceptance",
        submitted,
        Act.REQUEST_SUPPLEMENT,
        at(4),
        items=[
            {"field": "form.production_address", "reason": "生产地址与营业执照不一致"},
        ],
    )
    early_answer = go("supplement_answered_no_note", early, Act.ANSWER_SUPPLEMENT, at(5))
    go("accepted_after_supplement", early_answer, Act.ACCEPT, at(6))

    accepted = go("accepted", submitted, Act.ACCEPT, at(4, 9, 40))
    go("withdrawn", accepted, Act.WITHDRAW, at(5), reason="企业生产地址变更，重新申请")
    reviewing = step(accepted, Act.START_REVIEW, at(5))[0]
    asked = go(
        "supplement_requested",
        reviewing,
        Act.REQUEST_SUPPLEMENT,
        at(6),
        items=[
            {"material": "test_report", "reason": "检验报告超过有效期"},
            {"field": "form.product_units", "reason": "产品单元填写不全"},
        ],
    )
    asked.files.append(pdf("FNEWREPORT001", "test_report", "检验报告（新）.pdf", at(10, 9)))
    answered = go("supplement_answered", asked, Act.ANSWER_SUPPLEMENT, at(10), note="已补交新的检验报告")
    reviewing = step(answered, Act.START_REVIEW, at(11))[0]
    suspended = go(
        "suspended", reviewing, Act.SUSPEND, at(12), procedure="site_inspection", reason="现场核查"
    )
    resumed = go("resumed", suspended, Act.RESUME, at(17), note="核查合格")
    go(
        "denied",
        resumed,
        Act.DECIDE,
        at(20),
        approved=False,
        reasons=["生产条件不符合要求"],
        legal_basis="条例第九条",
    )
    go("approved_on_commitment", resumed, Act.DECIDE, at(20), approved=True, on_commitment=True)
    approved = go(
        "approved", resumed, Act.DECIDE, at(20), approved=True, legal_basis="《工业产品生产许可证管理条例》"
    )

    approved.files.append(pdf("FRESULT000001", RESULT_SLOT, "工业产品生产许可证.pdf", at(21, 9)))
    issued_online = go(
        "result_document",
        approved,
        Act.ISSUE_RESULT,
        at(21),
        delivery="electronic",
        title="工业产品生产许可证",
        file_id="FRESULT000001",
    )
    go(
        "result_licence",
        approved,
        Act.ISSUE_RESULT,
        at(21),
        delivery="electronic",
        title="工业产品生产许可证",
        licence_type="工业产品生产许可证",
        licence_ref="EL-450000-20250321-ABCD2345",
    )
    mailed = go(
        "result_mail",
        approved,
        Act.ISSUE_RESULT,
        at(21),
        delivery="mail",
        title="工业产品生产许可证",
        carrier="中国邮政EMS",
        tracking_number="1100000000001",
    )
    back = new_shipment(
        NUMBER,
        direction="to_applicant",
        carrier="中国邮政EMS",
        tracking_number="1100000000001",
        contents=["工业产品生产许可证"],
        at=at(21),
        province="450000",
    )
    go(
        "result_mail_with_shipment",
        approved,
        Act.ISSUE_RESULT,
        at(21),
        delivery="mail",
        title="工业产品生产许可证",
        carrier="中国邮政EMS",
        tracking_number="1100000000001",
        shipment=back,
    )
    # 送达 crosses: downloaded at home (origin), a mailed result signed for (handler)
    go("result_downloaded", issued_online, Act.DELIVER, at(22, 19), role="origin", how="download")
    go("delivery_recorded", mailed, Act.DELIVER, at(24, 11), how="mail_signed")
    out.append(("shipment_recorded", "case.shipment_recorded", back))
    arrived = advance(back, "delivered", rfc3339(at(24, 11)), "本人签收", "450000")
    out.append(
        ("shipment_event", "case.shipment_event", {"shipment_id": back["id"], **arrived["events"][-1]})
    )
    go(
        "result_window",
        approved,
        Act.ISSUE_RESULT,
        at(21),
        delivery="window_pickup",
        title="工业产品生产许可证",
    )

    immediate = go("forwarded_immediate", draft(immediate=True), Act.SUBMIT, at(3, 10, 15))
    go("accept_and_decide", immediate, Act.ACCEPT_AND_DECIDE, at(3, 11), approved=True)

    def dispatched(case: Case) -> None:
        assert case.intake is not None
        case.intake.dispatched_at = case.intake.receipt_issued_at = case.updated_at

    window = go("dispatched", at_the_window(), Act.SUBMIT, at(10, 14, 32), prepare=dispatched)
    originals = new_shipment(
        window.number,
        direction="to_handler",
        carrier="中国邮政EMS",
        tracking_number="EMS1234567890",
        contents=["居民身份证原件"],
        at=at(10, 14, 30),
        province="430000",
    )
    go(
        "dispatched_with_shipments",
        at_the_window(),
        Act.SUBMIT,
        at(10, 14, 32),
        prepare=dispatched,
        shipments=[originals],
    )
    handler = step(window, Act.ACCEPT, at(11), role="handler")[0]
    handler = step(handler, Act.DECIDE, at(12), role="handler", approved=True)[0]
    issued = step(
        handler, Act.ISSUE_RESULT, at(13), role="handler", delivery="window_pickup", title="社会保障卡"
    )[0]

    # 原件核验 and 原件退还 at the handling province, told to the window
    check = OriginalCheck(
        slot="id_card", matches=True, note=None, at=at(12, 9), by="dev-authority-clerk-1", province="320000"
    )
    out.append(("original_checked", "case.original_checked", original_checked_payload(check)))
    kept = check.model_copy(update={"kept": True, "note": "依法收回原证"})
    out.append(("original_kept", "case.original_checked", original_checked_payload(kept)))
    returned = originals_back(
        handler,
        to="applicant",
        carrier="中国邮政EMS",
        tracking_number="EMS9876543210",
        slots=["id_card"],
        at=at(13, 16),
        province="320000",
    )
    out.append(("originals_returned", "case.shipment_recorded", returned))

    def handed_over(case: Case) -> None:
        assert case.intake is not None
        case.intake.handover = Handover(
            to_whom=PERSON["name"], identity_checked=True, at=case.updated_at, by="dev-window-clerk-1"
        )

    go(
        "result_handed_over",
        issued,
        Act.DELIVER,
        at(24, 15, 20),
        role="origin",
        prepare=handed_over,
        how="window_handover",
    )

    # a case read back from storage may carry UTC times: they serialize with `Z`
    utc = submitted.model_copy(update={"submitted_at": datetime(2025, 3, 3, 2, 15, tzinfo=UTC)})
    out.append(("forwarded_utc", "case.forwarded", forwarded_payload(utc)))
    decided = step(resumed, Act.DECIDE, datetime(2025, 3, 20, 2, 0, 30, 250000, tzinfo=UTC), approved=True)[0]
    out.append(("status_utc", "case.decided", status_payload(decided, Act.DECIDE)))
    # 多地联办: the lead undoes a part already approved when another part is refused
    go("cancelled", decided, Act.CANCEL, at(21), role="origin", reason="联办事项其他部分不予办理，本部分终止")
    # 查看明文 at the handling province, by an authority clerk and by a window clerk (with a note)
    fields = {"applicant.id_number": PersonalKind.ID_NUMBER, "form.mobile": PersonalKind.PHONE}
    for label, by, note in (
        ("revealed", CLERK, None),
        ("revealed_by_window", WINDOW, "领取人自称申请人亲属"),
    ):
        shown = reveal(accepted, by, at(5), fields, "other" if note else "identity_check", note)
        out.append((label, "case.revealed", revealed_payload(shown.event)))
    # 委托代办: the handler's clerk refuses the 授权委托书; the principal authorises at home
    for label, state, method, who, reason in (
        ("entrustment_refused", EntrustmentState.REFUSED, EntrustmentMethod.DOCUMENT, "clerk-1", "未签字"),
        (
            "entrustment_authorised",
            EntrustmentState.VERIFIED,
            EntrustmentMethod.AUTHORISED,
            "principal",
            None,
        ),
    ):
        entrustment = Entrustment(state=state, method=method, reason=reason, at=at(2), by=who)
        settled = settled_payload(accepted.model_copy(update={"entrustment": entrustment}))
        out.append((label, "case.entrustment_settled", settled))
    # 视频会商: a session held at the window's gateway, a join there, its end
    session = VideoSession(
        session_id="3f9a1c2e-5b7d-4e8f-a1b2-c3d4e5f60718",
        provider="local",
        scheduled_for=at(3, 10, 30),
        participants=[
            {"participant_id": "window-430000-01", "role": "window_clerk", "province": "430000"},
            {"participant_id": "authority-450000-01", "role": "authority_clerk", "province": PARTNER},
        ],
    )
    out.append(("video_scheduled", "video.scheduled", scheduled_payload(accepted, session)))
    joiner = Joiner("window_clerk", "430000", "dev-window-clerk-1", window="W-430000-01")
    out.append(
        (
            "video_joined",
            "video.joined",
            joined_payload(session.session_id, "window-430000-01", joiner, at(3, 10, 31)),
        )
    )
    ended = session.model_copy(
        update={"ended_at": at(3, 10, 52), "outcome": "材料已视频核对", "consent_recorded": True}
    )
    out.append(("video_ended", "video.ended", ended_payload(ended)))
    # 好差评 of the handling authority, sent to it, and its rectification's follow-up sent back
    for label, level, channel, comment in (
        ("rated", RatingLevel.SATISFIED, RatingChannel.APP, None),
        ("rated_badly_by_link", RatingLevel.DISSATISFIED, RatingChannel.LINK, "等待时间过长"),
    ):
        rating = Rating(level=level, tags=["办理慢"], comment=comment, rated_at=at(25), channel=channel)
        out.append((label, "case.rated", rated_payload(rating)))
    record_ = {"rating": "dissatisfied", "opened_at": "2025-03-25T10:00:00+08:00", "due": "2025-04-16"}
    follow_up = FollowUp(actions="已约谈窗口人员并优化流程", applicant_feedback="满意", at=at(28))
    out.append(("rectification_closed", "case.rectification_closed", closed_payload(record_, follow_up)))
    return out


def built_catalog_messages() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, type, payload) of the catalog messages a publisher sends: a version, a cancellation."""
    from chalicelib.domain.catalog import ItemDefinition
    from chalicelib.domain.clock import beijing_date, system_clock
    from chalicelib.domain.identity import Principal, Role
    from tests.catalog_fakes import Country

    country = Country(["430000", "450000"])
    operator = Principal(subject="dev-operator-1", role=Role.OPERATOR, issuer="test")
    seed = json.loads((ROOT / "infra/seed/catalog.json").read_text(encoding="utf-8"))["items"]
    for item in seed[:2]:
        country.catalogs["430000"].publish(ItemDefinition.model_validate(item), operator)
    change = {
        "status": "delegated",
        "effective_from": beijing_date(system_clock()),
        "reason": "下放",
        "delegated_to": "municipal",
    }
    country.catalogs["430000"].change_status(seed[0]["code"], change, operator)
    change = {"status": "cancelled", "effective_from": beijing_date(system_clock()), "reason": "取消"}
    country.catalogs["430000"].change_status(seed[1]["code"], change, operator)
    return [(f"catalog_{r['seq']}", r["type"], r["payload"]) for r in country.pending("430000")]


BUILT = built_messages() + built_catalog_messages()


@pytest.mark.parametrize(("label", "kind", "payload"), BUILT, ids=[b[0] for b in BUILT])
def test_payloads_built_by_the_code_validate(label: str, kind: str, payload: dict[str, Any]) -> None:
    assert problems(kind, payload) == []


def test_the_built_payloads_cover_every_type_the_code_sends() -> None:
    assert {b[1] for b in BUILT} == {kind.value for kind in MessageType}
    document = next(p for label, _, p in BUILT if label == "result_document")
    assert document["file"]["file_id"] == "FRESULT000001" and "file_id" not in document["result"]
    assert all("file" not in p for label, _, p in BUILT if label in ("result_licence", "result_mail"))


def test_the_envelope_and_the_receipt_the_code_signs_validate() -> None:
    payload = next(p for label, _, p in BUILT if label == "forwarded")
    signed: list[dict[str, Any]] = []

    class Signer:
        kid = "dev-450000-1"

        def sign_jws(self, claims: dict[str, Any], typ: str) -> str:
            signed.append(claims)
            return "a.b.c"

        def public_jwk(self) -> dict[str, Any]:
            return {}

    for sent_at in (at(3, 10, 15), datetime(2025, 3, 3, 2, 15, 1, 123456, tzinfo=UTC)):
        envelope = Envelope(
            id="6f1c2b9e-3d4a-4f7e-9a51-2c8b7d0e4f13",
            type=MessageType.CASE_FORWARDED,
            case=NUMBER,
            sender="430000",
            to="450000",
            sent_at=sent_at,
            seq=1,
            payload_sha256=payload_digest(payload),
        )
        assert problems("envelope", envelope.claims()) == []
        dummy: Any = object()
        service = ExchangeService(dummy, Signer(), dummy, dummy, "450000", clock=lambda: at(3, 10, 16))
        service._receipt(envelope)
        assert problems("receipt", signed[-1]) == []


def test_the_file_fetch_request_the_code_signs_validates() -> None:
    from types import SimpleNamespace

    from chalicelib.services.case_files import FETCH_TYPE, CaseFiles

    signed: list[tuple[dict[str, Any], str]] = []

    class Signer:
        kid = "dev-430000-1"

        def sign_jws(self, claims: dict[str, Any], typ: str) -> str:
            signed.append((claims, typ))
            return "a.b.c"

        def public_jwk(self) -> dict[str, Any]:
            return {}

    class Partners:
        def require(self, code: str) -> Any:
            return SimpleNamespace(code=code, endpoint="http://127.0.0.1:9")

    class Unreachable:
        def post(self, url: str, body: dict[str, Any]) -> Any:
            return SimpleNamespace(status=0, body={})

    dummy: Any = object()
    files = CaseFiles(Partners(), Signer(), dummy, Unreachable(), dummy, "430000")  # type: ignore[arg-type]
    ref = FileRef(
        file_id="F3HW8PZ4CMN2Q",
        slot="application_form",
        filename="申请书.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
        trust_level="C",
        licence_ref=None,
    )
    with pytest.raises(ConnectionError):
        files.copy_in(draft(), ref, at(3, 10, 16))
    ((claims, typ),) = signed
    assert typ == FETCH_TYPE and problems("fetch", claims) == []


def test_the_video_join_request_the_code_signs_validates() -> None:
    from types import SimpleNamespace

    from chalicelib.domain.errors import DomainError
    from chalicelib.domain.video import Joiner
    from chalicelib.services.video_sessions import VIDEO_JOIN_TYPE, VideoSessions

    signed: list[tuple[dict[str, Any], str]] = []

    class Signer:
        kid = "dev-450000-1"

        def sign_jws(self, claims: dict[str, Any], typ: str) -> str:
            signed.append((claims, typ))
            return "a.b.c"

        def public_jwk(self) -> dict[str, Any]:
            return {}

    class Partners:
        def require(self, code: str) -> Any:
            return SimpleNamespace(code=code, endpoint="http://127.0.0.1:9")

    class Unreachable:
        def post(self, url: str, body: dict[str, Any]) -> Any:
            return SimpleNamespace(status=0, body={})

    dummy: Any = object()
    sessions = VideoSessions(
        dummy,
        dummy,
        province="450000",
        partners=Partners(),  # type: ignore[arg-type]
        signer=Signer(),
        http=Unreachable(),
    )
    joiner = Joiner("authority_clerk", "450000", "dev-authority-clerk-1", authority="A-450000-01")
    with pytest.raises(DomainError) as unreachable:
        sessions._remote_join(draft(), "430000", "3f9a1c2e-5b7d-4e8f", "authority-450000-01", joiner)
    assert unreachable.value.code == "video_provider_unavailable" and unreachable.value.status == 503
    ((claims, typ),) = signed
    assert typ == VIDEO_JOIN_TYPE and problems("video-join", claims) == []
