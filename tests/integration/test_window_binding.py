"""Window binding with proof (绑定码): an app account reaches an intake only through a code its own
gateway signed, that has not expired, was never used, and is held by the intake's applicant. Every
refusal is problem+json and changes nothing."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.binding import BINDING_TYPE, new_code
from chalicelib.domain.clock import BEIJING
from tests.conftest import ISSUER, OTHER_ISSUER
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import APPLICANTS, PDF, Party, confirm, ok, upload
from tests.integration.test_case_events import drain

FORM = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
PERSON = APPLICANTS["dev-applicant-1"]
OTHER_PERSON = APPLICANTS["dev-applicant-2"]


@pytest.fixture
def window(client: Any, stage: None) -> Party:
    return Party(client, "window_clerk")


def intake_body(code: str | None = None, person: dict[str, str] = PERSON) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_code": "KSTB-GA-002",
        "province": "450000",
        "applicant": {"name": person["name"], "id_number": person["id_number"], "phone": person["phone"]},
        "identity_check": {"method": "id_card_reader", "document": "居民身份证"},
        "form": FORM,
    }
    if code is not None:
        body["binding_code"] = code
    return body


def code_of(applicant: Party) -> str:
    answer = ok(applicant.post("/v1/me/binding-codes"), 201)
    return str(answer["code"])


def signed(
    signer: Any,
    province: str,
    *,
    issuer: str,
    subject: str = "dev-applicant-1",
    id_number: str = PERSON["id_number"],
    at: datetime | None = None,
) -> str:
    code = new_code(province, issuer, subject, id_number, at or datetime.now(BEIJING))
    return str(signer.sign_jws(code.claims(), BINDING_TYPE))


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.body)["code"] == code


def stored_applicant(number: str) -> tuple[str, str]:
    from chalicelib import container

    case = container.cases().book.load(number)
    return case.applicant.issuer, case.applicant.subject


# — the good paths —


def test_a_code_from_the_applicants_app_binds_their_account_at_intake(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    applicant = Party(client, "applicant")
    issued = ok(applicant.post("/v1/me/binding-codes"), 201)
    assert issued["province"] == "430000"
    assert PERSON["id_number"] not in base64.urlsafe_b64decode(issued["code"].split(".")[1] + "==").decode()
    lifetime = datetime.fromisoformat(issued["expires_at"]) - datetime.fromisoformat(issued["issued_at"])
    assert lifetime == timedelta(minutes=10)

    number = ok(window.post("/v1/window/intakes", intake_body(issued["code"])), 201)["number"]
    assert [c["number"] for c in ok(applicant.get("/v1/cases"))["items"]] == [number]
    mine = ok(applicant.get(f"/v1/cases/{number}"))
    assert mine["applicant"]["id_number"] == PERSON["id_number"]  # their own case: unmasked
    assert ok(window.get(f"/v1/cases/{number}"))["applicant"]["id_number"] != PERSON["id_number"]
    other = Party(client, "applicant", sub="dev-applicant-2")
    assert other.get(f"/v1/cases/{number}").status_code == 404


def test_a_code_binds_the_account_later_and_the_applicant_is_told(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    from chalicelib.events import handlers

    number = ok(window.post("/v1/window/intakes", intake_body()), 201)["number"]
    applicant = Party(client, "applicant")
    assert ok(applicant.get("/v1/cases"))["items"] == []
    drain("notifications")
    bound = ok(window.post(f"/v1/window/cases/{number}/app-account", {"binding_code": code_of(applicant)}))
    assert bound["number"] == number
    assert [c["number"] for c in ok(applicant.get("/v1/cases"))["items"]] == [number]
    records = drain("notifications")
    assert PERSON["id_number"] not in records[0]["body"]
    assert handlers.on_notices({"Records": records}) == {"batchItemFailures": []}
    notices = ok(applicant.get("/v1/me/notices"))["items"]
    assert [(n["case"], n["act"]) for n in notices] == [(number, "app_account_bound")]
    timeline = ok(window.get(f"/v1/cases/{number}/timeline"))["events"]
    assert timeline[-1]["act"] == "app_account_bound"
    assert timeline[-1]["details"]["issuing_province"] == "430000"
    # bound once: another code cannot move the case to another account
    again = window.post(f"/v1/window/cases/{number}/app-account", {"binding_code": code_of(applicant)})
    refused(again, 409, "app_account_already_bound")


def test_a_code_issued_by_a_partner_province_binds_its_account(
    window: Party, guangxi: PartnerProvince
) -> None:
    issuer = OTHER_ISSUER.issuer_config()["issuer"]
    code = signed(guangxi.signer, "450000", issuer=issuer)
    number = ok(window.post("/v1/window/intakes", intake_body(code)), 201)["number"]
    assert stored_applicant(number) == (issuer, "dev-applicant-1")


# — refusals: each a problem, nothing changed —


def test_a_reused_code_is_refused(client: Any, window: Party, guangxi: PartnerProvince) -> None:
    code = code_of(Party(client, "applicant"))
    first = ok(window.post("/v1/window/intakes", intake_body(code)), 201)["number"]
    refused(window.post("/v1/window/intakes", intake_body(code)), 409, "binding_code_used")
    later = ok(window.post("/v1/window/intakes", intake_body()), 201)["number"]
    refused(
        window.post(f"/v1/window/cases/{later}/app-account", {"binding_code": code}), 409, "binding_code_used"
    )
    assert sorted(c["number"] for c in ok(window.get("/v1/window/cases"))["items"]) == sorted([first, later])
    assert stored_applicant(later)[0].startswith("window:")


def test_two_windows_racing_with_one_code_bind_it_once(
    client: Any, window: Party, guangxi: PartnerProvince, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import container

    code = code_of(Party(client, "applicant"))
    ok(window.post("/v1/window/intakes", intake_body(code)), 201)
    store = container.binding()._store
    real = store.used
    answers = [False]  # the second window read before the first one committed

    def stale(code_id: str) -> bool:
        return answers.pop() if answers else real(code_id)

    monkeypatch.setattr(store, "used", stale)
    refused(window.post("/v1/window/intakes", intake_body(code)), 409, "binding_code_used")
    assert len(ok(window.get("/v1/window/cases"))["items"]) == 1


def test_an_expired_code_is_refused(window: Party, guangxi: PartnerProvince) -> None:
    from chalicelib import container

    issuer = ISSUER.issuer_config()["issuer"]
    old = signed(
        container.signer(), "430000", issuer=issuer, at=datetime.now(BEIJING) - timedelta(minutes=11)
    )
    refused(window.post("/v1/window/intakes", intake_body(old)), 422, "binding_code_expired")
    assert ok(window.get("/v1/window/cases"))["items"] == []


def test_a_code_living_longer_than_the_rule_is_refused(window: Party, guangxi: PartnerProvince) -> None:
    code = new_code(
        "450000",
        OTHER_ISSUER.issuer_config()["issuer"],
        "dev-applicant-1",
        PERSON["id_number"],
        datetime.now(BEIJING),
    )
    claims = {**code.claims(), "exp": code.issued_at + 86400}
    token = guangxi.signer.sign_jws(claims, BINDING_TYPE)
    refused(window.post("/v1/window/intakes", intake_body(token)), 422, "binding_code_invalid")


def test_a_code_signed_by_a_key_the_registry_does_not_hold_is_refused(
    window: Party, guangxi: PartnerProvince
) -> None:
    impostor = PartnerProvince("450000")  # claims to be 450000, signs with a key not registered
    code = signed(impostor.signer, "450000", issuer=OTHER_ISSUER.issuer_config()["issuer"])
    refused(window.post("/v1/window/intakes", intake_body(code)), 422, "binding_code_invalid")
    assert ok(window.get("/v1/window/cases"))["items"] == []


def test_a_code_of_a_province_not_in_the_registry_is_refused(
    window: Party, guangxi: PartnerProvince, operator: Party
) -> None:
    jiangsu = PartnerProvince("320000")
    code = signed(jiangsu.signer, "320000", issuer="https://dev-idp.tongban.invalid/320000")
    refused(window.post("/v1/window/intakes", intake_body(code)), 422, "binding_code_issuer_unknown")
    ok(operator.post("/v1/ops/partners/450000/status", {"status": "suspended", "reason": "测试暂停"}))
    suspended = signed(guangxi.signer, "450000", issuer=OTHER_ISSUER.issuer_config()["issuer"])
    refused(window.post("/v1/window/intakes", intake_body(suspended)), 422, "binding_code_issuer_unknown")
    assert ok(window.get("/v1/window/cases"))["items"] == []


def test_an_altered_or_forged_code_is_refused(client: Any, window: Party, guangxi: PartnerProvince) -> None:
    header, payload, signature = code_of(Party(client, "applicant")).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["subject"] = "dev-applicant-2"  # someone else's account, under the same signature
    altered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    for token in (
        f"{header}.{altered}.{signature}",
        f"{header}.{payload}.{'A' * 86}",
        "abcdefghij.klmnopqrst.uvwxyz",
    ):
        refused(window.post("/v1/window/intakes", intake_body(token)), 422, "binding_code_invalid")
    assert ok(window.get("/v1/window/cases"))["items"] == []


def test_a_code_held_by_someone_else_is_refused_and_stays_usable(
    client: Any, window: Party, guangxi: PartnerProvince
) -> None:
    code = code_of(Party(client, "applicant", sub="dev-applicant-2"))  # 乙's code, 甲 at the window
    refused(window.post("/v1/window/intakes", intake_body(code)), 422, "binding_code_holder_mismatch")
    number = ok(window.post("/v1/window/intakes", intake_body()), 201)["number"]
    at_later = window.post(f"/v1/window/cases/{number}/app-account", {"binding_code": code})
    refused(at_later, 422, "binding_code_holder_mismatch")
    assert stored_applicant(number)[0].startswith("window:")
    # nothing was used up: 乙 at the window binds it
    ok(window.post("/v1/window/intakes", intake_body(code, OTHER_PERSON)), 201)


def test_a_code_is_not_issued_without_a_verified_identity(client: Any, stage: None) -> None:
    unverified = Party(client, "applicant", id_number=None)  # no applicant token passes without one
    refused(unverified.post("/v1/me/binding-codes"), 401, "identity_claims_missing")
    phone_only = Party(client, "applicant", assurance="phone")
    refused(phone_only.post("/v1/me/binding-codes"), 403, "binding_code_identity_missing")
    refused(Party(client, "window_clerk").post("/v1/me/binding-codes"), 403, "forbidden")


def test_a_dispatched_intake_takes_no_binding(client: Any, window: Party, guangxi: PartnerProvince) -> None:
    number = ok(window.post("/v1/window/intakes", intake_body()), 201)["number"]
    file_id = upload(window, f"/v1/window/cases/{number}/materials/id_card/uploads", PDF)
    assert confirm(window, number, file_id)["status"] == "verified"
    ok(window.post(f"/v1/window/cases/{number}/files/{file_id}/original-check", {"mail_original": True}))
    ok(window.post(f"/v1/window/cases/{number}/consent", {"method": "paper_scan"}))
    ok(window.post(f"/v1/window/cases/{number}/dispatch"))
    code = code_of(Party(client, "applicant"))
    refused(
        window.post(f"/v1/window/cases/{number}/app-account", {"binding_code": code}),
        409,
        "case_not_editable",
    )
    assert stored_applicant(number)[0].startswith("window:")
