"""A joint case (多地联办) at its lead province, step by step: messages and AWS calls against the
minimum (`least_calls`, as for a cross-province case).

湖南 430000 leads 户口迁移（夫妻投靠）: the move-in approval is its own part (handled here), the
move-out registration goes to 广西 450000, played in-process. Counted: the lead gateway's AWS calls
from submit to the joint decision, including the coordinator's.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import requests

from bench.cross_province import drain, hooked_meter, play_partner
from bench.full_online import least_calls

STEPS = (
    "submit",
    "lead accepts (plans, opens part 1)",
    "part 1 accepted",
    "part 1 decided (starts part 2)",
    "part 2 forwarded",
    "part 2 accepted received",
    "part 2 decided received (decides)",
)
# The state changes each step makes: an act (the coordination it sets off may share its write), a
# message delivered, a partner's message kept and then applied.
CHANGES = dict(zip(STEPS, (1, 1, 1, 1, 1, 2, 2), strict=True))
PDF = b"%PDF-1.7\n" + b"2" * 2048 + b"\n%%EOF\n"


def measure() -> tuple[dict[str, Counter[str]], dict[str, int]]:
    from chalice.test import Client

    from app import app
    from chalicelib import container
    from chalicelib.domain.case import Case
    from chalicelib.domain.case_acts import Context, perform
    from chalicelib.domain.case_exchange import status_payload
    from chalicelib.domain.case_states import Act
    from chalicelib.domain.clock import BEIJING
    from chalicelib.domain.commands import Accept, Command, Decide, Submit
    from chalicelib.domain.envelope import Envelope, MessageType, payload_digest
    from chalicelib.domain.identity import Assurance, Principal, Role, SubjectKind, VerifiedIdentity
    from chalicelib.domain.intake_commands import OpenDraft
    from chalicelib.domain.record_commands import RequestUpload
    from chalicelib.events import handlers
    from chalicelib.services.cases import by_of
    from chalicelib.services.exchange import compose
    from infra.devtokens import DevIssuer

    partner, sent = play_partner("450000")
    meter = hooked_meter()
    calls: dict[str, Counter[str]] = {step: Counter() for step in STEPS}
    issuer = DevIssuer.generate("430000")
    applicant = Principal(
        subject="dev-applicant-1",
        role=Role.APPLICANT,
        issuer=issuer.issuer_config()["issuer"],
        identity=VerifiedIdentity(
            kind=SubjectKind.NATURAL_PERSON,
            id_number="430102199001010016",
            name="测试申请人甲",
            assurance=Assurance.FACE,
            phone="13800000001",
        ),
    )
    clerk = Principal(
        subject="bench-clerk",
        role=Role.AUTHORITY_CLERK,
        issuer="bench",
        province="430000",
        authority="A-430000-01",
    )
    cases = container.cases()
    form = {
        "from_province": "450000",
        "to_province": "430000",
        "spouse_name": "测试配偶",
        "marriage_date": "2020-05-01",
        "to_address": "长沙市岳麓区",
    }
    case = cases.open_draft(applicant, OpenDraft(item_code="KSTB-GA-001", form=form))
    n = case.number
    for slot in ("id_card", "household_register", "marriage_certificate", "residence_proof"):
        upload = RequestUpload(
            filename="a.pdf",
            content_type="application/pdf",
            size=len(PDF) + len(slot),
            sha256=hashlib.sha256(PDF + slot.encode()).hexdigest(),
        )
        ticket = container.materials().request_upload(applicant, n, slot, upload)
        requests.put(
            ticket["upload"]["url"], data=PDF + slot.encode(), headers=ticket["upload"]["headers"], timeout=10
        )
        container.materials().confirm(applicant, n, ticket["file_id"])

    def step(name: str, action: Any) -> Any:
        meter.reset()
        result = action()
        calls[name].update(op for op, _ in meter.calls)
        return result

    received = 0

    def from_partner(number: str, command: Command, seq: int) -> None:
        nonlocal received
        copy = Case.model_validate(container.case_reads().get(number))
        partner_case = copy.model_copy(deep=True)
        act = command.act
        for earlier in [Accept()] if act is Act.DECIDE and copy.accepted_at is None else []:
            partner_case = perform(
                partner_case, earlier, by_of(clerk), Context(datetime.now(BEIJING), cases.book.calendar())
            ).case
        after = perform(
            partner_case, command, by_of(clerk), Context(datetime.now(BEIJING), cases.book.calendar())
        ).case
        payload = status_payload(after, act)
        kind = MessageType.ACCEPTED if act is Act.ACCEPT else MessageType.DECIDED
        envelope = Envelope(
            str(uuid.uuid4()),
            kind,
            number,
            "450000",
            "430000",
            datetime.now(BEIJING),
            seq,
            payload_digest(payload),
        )
        wire = compose(partner, envelope, payload)
        with Client(app) as http:
            answer = http.http.post(
                "/v1/exchange/messages",
                headers={"Content-Type": "application/json"},
                body=json.dumps(wire, ensure_ascii=False),
            )
            assert answer.status_code == 200, answer.body
        drain(handlers.on_inbound, "inbound.fifo")
        received += 1

    step(STEPS[0], lambda: cases.act(applicant, n, Submit()))
    step(STEPS[1], lambda: cases.act(clerk, n, Accept()))
    first = next(p.case_number for p in cases.book.load(n).parts if p.key == "move_in_approval")
    assert first is not None
    step(STEPS[2], lambda: cases.act(clerk, first, Accept()))
    step(STEPS[3], lambda: cases.act(clerk, first, Decide(approved=True)))
    step(STEPS[4], lambda: drain(handlers.on_outbound, "outbound"))
    second = next(p.case_number for p in cases.book.load(n).parts if p.key == "move_out_registration")
    assert second is not None
    step(STEPS[5], lambda: from_partner(second, Accept(), 1))
    step(STEPS[6], lambda: from_partner(second, Decide(approved=True), 2))
    final = cases.book.load(n)
    assert final.state.value == "approved", final.state
    return calls, {"sent": len(sent), "received": received}


def report(calls: dict[str, Counter[str]], messages: dict[str, int]) -> list[str]:
    total = sum(sum(c.values()) for c in calls.values())
    least = sum(least_calls(calls[step], CHANGES[step]) for step in STEPS)
    lines = [
        "joint case at its lead province (two parts: one here, one in a partner province; decided)",
        f"  messages: {messages['sent']} sent, {messages['received']} received",
    ]
    for step in STEPS:
        ops = ", ".join(f"{op}×{n}" if n > 1 else op for op, n in sorted(calls[step].items()))
        least_here = least_calls(calls[step], CHANGES[step])
        lines.append(f"  {step:36} {sum(calls[step].values()):3d} AWS calls (min {least_here:2d}): {ops}")
    lines.append(f"  {'total':36} {total:3d} AWS calls (min {least:2d}) for the joint case at the lead")
    return lines
