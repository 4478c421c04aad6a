"""多地联办: a 补正 answer that corrects a form field reaches the part province with the corrected form.

A part forwarded to 广西 asks for a form field (迁入地址); the applicant corrects it on the joint case
at the lead and answers. The lead's coordinator answers the part: the part's copy takes the corrected
form and `case.supplement_answered` carries it to 广西 (before, only the note and the files went).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.envelope import MessageType
from tests.exchange_helpers import PartnerProvince
from tests.integration.case_helpers import Party, ok
from tests.integration.test_exchange_faults import FakePartner, Queue, deliver_queued, post
from tests.integration.test_joint_faults import (  # noqa: F401  (fixtures)
    AFTER_ACCEPTANCE_SUPPLEMENT,
    FORM,
    accept_joint_case,
    apply_all,
    case_doc,
    clock,
    decide_local_part,
    forwarded_copy,
    lead,
    partner,
    partner_acts,
    queues,
)

CORRECTED = {**FORM, "to_address": "长沙市岳麓区测试路 1 号"}


def test_a_corrected_field_reaches_the_part_province(
    applicant: Party,
    lead: Party,  # noqa: F811
    client: Any,
    guangxi: PartnerProvince,
    partner: FakePartner,  # noqa: F811
    queues: dict[str, Queue],  # noqa: F811
) -> None:
    number, local = accept_joint_case(applicant, lead)
    decide_local_part(lead, local)
    copy_number = forwarded_copy(applicant, number)
    assert deliver_queued(queues["outbound"]) == 1
    accepted, asked, _ = partner_acts(guangxi, copy_number, AFTER_ACCEPTANCE_SUPPLEMENT)
    for message in (accepted, asked):
        post(client, message)
    apply_all(queues["inbound"])
    assert ok(applicant.get(f"/v1/cases/{number}"))["state"] == "supplement_requested"

    ok(applicant.post(f"/v1/cases/{number}/form", {"form": CORRECTED}))
    ok(applicant.post(f"/v1/cases/{number}/supplement-answer", {"note": "已补全地址"}))

    copy = case_doc(copy_number)
    assert (copy["state"], copy["form"]) == ("supplemented", CORRECTED)
    assert deliver_queued(queues["outbound"]) == 1
    answer = partner.posts[-1]
    assert answer["type"] == MessageType.SUPPLEMENT_ANSWERED.value
    assert answer["payload"]["form"] == CORRECTED
