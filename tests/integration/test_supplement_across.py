"""A 补正 answer that corrects a form field reaches the handling province with the corrected form.

The handling clerk's 一次性告知 may name a form field; the applicant corrects it at home and answers.
`case.supplement_answered` then carries the form as corrected (`form`, only when a field changed),
and the handling province's copy takes it, with the changed fields a further 补正 may come back to.
Before, only the note and the files crossed: the clerk kept reviewing the old value.

预审退回 has no exchange message, so the handling province of a partner's case asks for 补正 before
受理 instead: returning it there left the partner's copy `submitted` for good.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.envelope import MessageType
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import RS4_FORM, Party, ok
from tests.integration.test_exchange_faults import (
    LICENCE,
    PARTNER,
    Queue,
    case_doc,
    case_number,
    forwarded,
    on_inbound,
    post,
    pump,
)

CORRECTED = {**RS4_FORM, "last_employer": "测试科技有限公司"}
ASKED = {"field": "last_employer", "reason": "请填写原工作单位全称"}


def _queues() -> dict[str, Queue]:
    found = {"inbound": Queue("inbound.fifo"), "outbound": Queue("outbound")}
    for queue in found.values():
        queue.empty()
    return found


def _forwarded_in(client: Any, guangxi: PartnerProvince) -> tuple[str, Queue]:
    """A case Guangxi forwarded here, opened: its number and the inbound queue."""
    inbound = _queues()["inbound"]
    number = case_number()
    post(client, guangxi.message(forwarded(), case=number, seq=1))
    pump(inbound, on_inbound)
    return number, inbound


def test_the_handling_province_takes_the_form_the_answer_corrected(
    client: Any, clerk: Party, guangxi: PartnerProvince
) -> None:
    number, inbound = _forwarded_in(client, guangxi)
    ok(clerk.post(f"/v1/authority/cases/{number}/supplement-request", {"items": [ASKED]}))

    answer = {"note": "已更正原工作单位", "files": [], "form": CORRECTED}
    post(client, guangxi.message(answer, case=number, seq=2, kind=MessageType.SUPPLEMENT_ANSWERED))
    pump(inbound, on_inbound)

    doc = case_doc(number)
    assert doc is not None
    assert doc["state"] == "supplemented"
    assert doc["form"] == CORRECTED
    assert doc["supplement"]["changed_fields"] == ["last_employer"]


def test_the_answer_sent_to_the_handling_province_carries_the_corrected_form(
    client: Any, applicant: Party, guangxi: PartnerProvince
) -> None:
    from chalicelib import container

    queues = _queues()
    number = ok(
        applicant.post("/v1/cases", {"item_code": "KSTB-RS-004", "province": PARTNER, "form": RS4_FORM}), 201
    )["number"]
    ok(applicant.post(f"/v1/cases/{number}/materials/id_card/licences", {"reference": LICENCE}), 201)
    ok(applicant.post(f"/v1/cases/{number}/submit", {}))
    queues["outbound"].empty()  # the forward itself

    doc = case_doc(number)
    assert doc is not None
    asked = {
        "act": "request_supplement",
        "state": "supplement_requested",
        "clock": doc["clock"],
        "supplement": {"items": [ASKED]},
    }
    post(client, guangxi.message(asked, case=number, seq=1, kind=MessageType.SUPPLEMENT_REQUESTED))
    pump(queues["inbound"], on_inbound)
    ok(applicant.post(f"/v1/cases/{number}/form", {"form": CORRECTED}))
    ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已更正原工作单位"}))

    sent = [container.message_store().outbound(b["case"], b["id"]) for b in queues["outbound"].bodies()]
    answers = [r for r in sent if r and r["type"] == MessageType.SUPPLEMENT_ANSWERED.value]
    assert len(answers) == 1
    assert answers[0]["payload"]["form"] == CORRECTED


def test_a_case_from_a_partner_is_not_returned_at_pre_review_but_supplemented(
    client: Any, clerk: Party, guangxi: PartnerProvince
) -> None:
    number, _ = _forwarded_in(client, guangxi)
    assert "return_pre_review" not in ok(clerk.get(f"/v1/cases/{number}"))["allowed_acts"]

    returned = clerk.post(f"/v1/authority/cases/{number}/pre-review/return", {"reasons": ["扫描件不清晰"]})
    assert (returned.status_code, returned.json_body["code"]) == (409, "pre_review_return_not_across")
    assert ok(clerk.get(f"/v1/cases/{number}"))["state"] == "submitted"
    asked = {"items": [{"material": "id_card", "reason": "扫描件不清晰"}]}
    assert ok(clerk.post(f"/v1/authority/cases/{number}/supplement-request", asked))["state"] == (
        "supplement_requested"
    )
