"""Window binding across provinces over HTTP on the local stack: the applicant's app asks their own
gateway (广西 450000) for a binding code, the 湖南 430000 window binds it to an intake for a 450000
item, and once dispatched the case is in the applicant's "my cases" at home."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.gateway import Gateway, eventually, intake_body, take_in

pytestmark = pytest.mark.e2e
APPLICANT = {"name": "测试申请人甲", "id_number": "430102199001010016", "phone": "13800000001"}


def test_a_code_from_the_applicants_own_gateway_binds_their_account_at_another_provinces_window(
    stack: dict[str, Any],
) -> None:
    app = Gateway(stack, "450000", "applicant")
    window = Gateway(stack, "430000", "window_clerk")
    issued = app.post("/v1/me/binding-codes", status=201)
    assert issued["province"] == "450000"
    form = {"purpose": "就业", "using_entity": "测试公司", "query_scope": "户籍地"}
    body = intake_body("KSTB-GA-002", "450000", APPLICANT, form, binding_code=issued["code"])
    n = window.post("/v1/window/intakes", body, status=201)["number"]
    assert window.post("/v1/window/intakes", body, status=409)["code"] == "binding_code_used"
    someone_else = {**body, "applicant": {**APPLICANT, "id_number": "450103198505050025"}}
    someone_else["binding_code"] = app.post("/v1/me/binding-codes", status=201)["code"]
    mismatch = window.post("/v1/window/intakes", someone_else, status=422)
    assert mismatch["code"] == "binding_code_holder_mismatch"

    take_in(window, n)
    assert window.post(f"/v1/window/cases/{n}/dispatch")["state"] == "submitted"
    eventually(
        lambda: any(c["number"] == n for c in app.get("/v1/cases")["items"]),
        "the case in the applicant's cases at their own gateway",
    )
    mine = app.case(n)
    assert mine["applicant"]["id_number"] == APPLICANT["id_number"]  # their own: unmasked
    assert window.case(n)["applicant"]["id_number"] == "430102********0016"
