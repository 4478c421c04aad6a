"""SMS to walk-in applicants: the texts (case number and link, never personal data), the provider
adapters against botocore's Stubber (the exact requests SNS and End User Messaging SMS get, and
refusals that never carry the phone number), and the configuration that picks a provider."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters import sms as adapters
from chalicelib.config import ConfigurationError, sms_settings
from chalicelib.domain.walkin import SmsMessage, e164, is_walk_in, progress_link, sms_of, texted

PHONE = "13800000003"
ID_NUMBER = "430102199001010016"
NOTICE = {
    "id": "430000-20261123-7KQ2M9XA:5",
    "case": "430000-20261123-7KQ2M9XA",
    "recipient": "window:W-430000-01|intake:0123456789abcdef",
    "act": "partner_accept",
    "state": "accepted",
    "item_name": "无犯罪记录证明",
    "title": "无犯罪记录证明：已受理",
    "next_step": "等待审核",
    "at": "2026-11-23T10:00:00+08:00",
}
LINK = progress_link("https://gw.hunan.example", NOTICE["case"], "7KQ2M9XA")


def test_a_text_carries_the_number_and_link_and_no_personal_data() -> None:
    message = sms_of(NOTICE, PHONE, LINK)
    assert message.text.startswith("【跨省通办】") and NOTICE["case"] in message.text
    assert "已受理" in message.text and message.text.endswith(LINK)
    assert LINK == "https://gw.hunan.example/v1/public/cases/430000-20261123-7KQ2M9XA/progress?code=7KQ2M9XA"
    assert PHONE not in message.text and ID_NUMBER not in message.text
    assert (message.to, message.reference, message.params["number"]) == (PHONE, NOTICE["id"], NOTICE["case"])


def test_a_result_asks_for_a_rating_and_the_follow_up_has_its_own_text() -> None:
    issued = sms_of({**NOTICE, "act": "partner_issue_result", "state": "result_issued"}, PHONE, LINK)
    assert "进度查询及评价" in issued.text and issued.template == "rated_result"
    closed = sms_of({**NOTICE, "act": "rectification_closed", "state": "delivered"}, PHONE, LINK)
    assert "整改" in closed.text and closed.template == "rectification_closed"


def test_walk_in_recipients_and_phone_numbers() -> None:
    assert is_walk_in(NOTICE["recipient"]) and not is_walk_in("https://idp.example|dev-applicant-1")
    assert texted(NOTICE) and not texted({**NOTICE, "act": "material_rejected"})  # the window's scan
    assert e164("138 0000 0003") == e164("+8613800000003") == e164("8613800000003") == "+8613800000003"


def stubbed(service: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Stubber]:
    made = boto3.client(service, region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(adapters, "client", lambda name: made if name == service else None)
    return made, Stubber(made)


MESSAGE = SmsMessage(to=PHONE, text="【跨省通办】测试", template="t", params={}, reference=NOTICE["id"])


def test_sns_publishes_a_transactional_text_to_the_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    _, stub = stubbed("sns", monkeypatch)
    expected = {
        "PhoneNumber": "+8613800000003",
        "Message": MESSAGE.text,
        "MessageAttributes": {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "TONGBAN"},
        },
    }
    stub.add_response("publish", {"MessageId": "sns-1"}, expected)
    with stub:
        assert adapters.SnsSmsSender("TONGBAN").send(MESSAGE) == "sns-1"
    stub.assert_no_pending_responses()


def test_end_user_messaging_sends_from_the_origination_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    _, stub = stubbed("pinpoint-sms-voice-v2", monkeypatch)
    expected = {
        "DestinationPhoneNumber": "+8613800000003",
        "OriginationIdentity": "pool-0123",
        "MessageBody": MESSAGE.text,
        "MessageType": "TRANSACTIONAL",
        "Context": {"notice": NOTICE["id"]},
        "ConfigurationSetName": "tongban",
    }
    stub.add_response("send_text_message", {"MessageId": "eum-1"}, expected)
    with stub:
        assert adapters.EndUserMessagingSmsSender("pool-0123", "tongban").send(MESSAGE) == "eum-1"
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("service", "operation", "sender"),
    [
        ("sns", "publish", adapters.SnsSmsSender()),
        ("pinpoint-sms-voice-v2", "send_text_message", adapters.EndUserMessagingSmsSender("pool-0123")),
    ],
)
def test_a_refusal_names_the_providers_code_and_never_the_phone(
    service: str, operation: str, sender: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, stub = stubbed(service, monkeypatch)
    stub.add_client_error(
        operation, "InvalidParameter", f"Invalid parameter: PhoneNumber Reason: +86{PHONE} is not valid"
    )
    with stub, pytest.raises(adapters.SmsRefused) as refused:
        sender.send(MESSAGE)
    assert refused.value.code == "InvalidParameter"
    assert PHONE not in str(refused.value) and refused.value.__cause__ is None
    assert refused.value.__suppress_context__


def test_the_provider_is_chosen_by_configuration_and_the_stand_in_only_locally() -> None:
    assert isinstance(adapters.sms_sender(sms_settings({}, "local"), "t"), adapters.LocalSmsOutbox)
    assert adapters.sms_sender(sms_settings({}, "prod-430000"), "t") is None
    assert isinstance(
        adapters.sms_sender(sms_settings({"TONGBAN_SMS_PROVIDER": "sns"}, "prod-430000"), "t"),
        adapters.SnsSmsSender,
    )
    chosen = {"TONGBAN_SMS_PROVIDER": "end_user_messaging", "TONGBAN_SMS_ORIGINATION_IDENTITY": "pool-1"}
    assert isinstance(
        adapters.sms_sender(sms_settings(chosen, "prod-430000"), "t"), adapters.EndUserMessagingSmsSender
    )
    for stage, env in (
        ("prod-430000", {"TONGBAN_SMS_PROVIDER": "local"}),
        ("prod-430000", {"TONGBAN_SMS_PROVIDER": "carrier-pigeon"}),
        ("prod-430000", {"TONGBAN_SMS_PROVIDER": "end_user_messaging"}),
    ):
        with pytest.raises(ConfigurationError):
            adapters.sms_sender(sms_settings(env, stage), "t")
