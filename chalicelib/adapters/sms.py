"""SMS providers (短信通道) and the ledger that texts each notice once.

- `LocalSmsOutbox`: the local stand-in. It sends nothing; it keeps each message in the cases table
  (`DEVSMS#<case number>`) with the phone masked, readable in the local stage through
  `GET /v1/ops/dev/sms?case=<number>`. Only the local stage may use it (`sms_sender`).
- `SnsSmsSender`: Amazon SNS `Publish` to a phone number, transactional.
- `EndUserMessagingSmsSender`: AWS End User Messaging SMS (`pinpoint-sms-voice-v2`
  `SendTextMessage`) from a configured origination identity.

A provider's refusal is raised as `SmsRefused` with the provider's error code only: botocore's
messages may quote the request, phone number included, and must not reach a log line.

Configuration (`Settings.sms`, read by `config.sms_settings`): `TONGBAN_SMS_PROVIDER` = `local`
(default in the local stage), `sns`, `end_user_messaging`, or `none` (default elsewhere: no SMS, a
warning per notice);
`TONGBAN_SMS_SENDER_ID`, `TONGBAN_SMS_ORIGINATION_IDENTITY`, `TONGBAN_SMS_CONFIGURATION_SET`.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client, put_new
from chalicelib.config import SmsSettings
from chalicelib.domain import personal
from chalicelib.domain.clock import rfc3339, system_clock
from chalicelib.domain.walkin import SmsMessage, e164
from chalicelib.services.sms import SmsSender

LEDGER_DAYS = 30


class SmsRefused(RuntimeError):
    """The provider did not take the message; `code` is its error code (no request data)."""

    def __init__(self, provider: str, code: str) -> None:
        super().__init__(f"{provider} refused the SMS: {code}")
        self.code = code


def _refusal(provider: str, err: Exception) -> SmsRefused:
    if isinstance(err, ClientError):
        return SmsRefused(provider, str(err.response.get("Error", {}).get("Code", "ClientError")))
    return SmsRefused(provider, type(err).__name__)


class LocalSmsOutbox:
    """The development stand-in: messages are kept, masked, for reading; nothing is sent."""

    name = "local"

    def __init__(self, table: str) -> None:
        self._table = table

    def send(self, message: SmsMessage) -> str:
        number = message.params.get("number", "-")
        message_id = f"local-{secrets.token_hex(6)}"
        at = rfc3339(system_clock())
        doc = {
            "id": message_id,
            "case": number,
            "to": personal.mask_phone(message.to.removeprefix("+86")),
            "text": message.text,
            "template": message.template,
            "reference": message.reference,
            "at": at,
        }
        client("dynamodb").put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"DEVSMS#{number}"},
                "sk": {"S": f"{at}#{message_id}"},
                "doc": {"S": json.dumps(doc, ensure_ascii=False)},
            },
        )
        return message_id

    def messages(self, number: str) -> list[dict[str, Any]]:
        page = client("dynamodb").query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"DEVSMS#{number}"}},
        )
        return [json.loads(item["doc"]["S"]) for item in page["Items"]]


class SnsSmsSender:
    """Amazon SNS: `Publish` straight to a phone number, as a transactional message."""

    name = "sns"

    def __init__(self, sender_id: str | None = None) -> None:
        self._sender_id = sender_id

    def send(self, message: SmsMessage) -> str:
        attributes: dict[str, Any] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
        }
        if self._sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self._sender_id}
        try:
            answer = client("sns").publish(
                PhoneNumber=e164(message.to), Message=message.text, MessageAttributes=attributes
            )
        except (ClientError, BotoCoreError) as err:
            raise _refusal(self.name, err) from None
        return str(answer["MessageId"])


class EndUserMessagingSmsSender:
    """AWS End User Messaging SMS (`pinpoint-sms-voice-v2`): `SendTextMessage` from an origination
    identity (a phone number, sender id or pool) registered for the destination country."""

    name = "end_user_messaging"

    def __init__(self, origination_identity: str, configuration_set: str | None = None) -> None:
        self._origination = origination_identity
        self._configuration_set = configuration_set

    def send(self, message: SmsMessage) -> str:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": e164(message.to),
            "OriginationIdentity": self._origination,
            "MessageBody": message.text,
            "MessageType": "TRANSACTIONAL",
            "Context": {"notice": message.reference},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            answer = client("pinpoint-sms-voice-v2").send_text_message(**request)
        except (ClientError, BotoCoreError) as err:
            raise _refusal(self.name, err) from None
        return str(answer["MessageId"])


class DynamoSmsLedger:
    """Which notices were texted (`SMS#<notice id>`, gone by TTL after LEDGER_DAYS)."""

    def __init__(self, table: str) -> None:
        self._table = table

    def _key(self, notice_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"SMS#{notice_id}"}, "sk": {"S": "SMS"}}

    def claim(self, notice_id: str) -> bool:
        expires_at = {"N": str(int(time.time()) + LEDGER_DAYS * 86400)}
        return put_new(self._table, {**self._key(notice_id), "expires_at": expires_at})

    def release(self, notice_id: str) -> None:
        client("dynamodb").delete_item(TableName=self._table, Key=self._key(notice_id))


def sms_sender(sms: SmsSettings, table: str) -> SmsSender | None:
    """The provider the stage's settings name (checked when they were read); None: no SMS."""
    if sms.provider == "local":
        return LocalSmsOutbox(table)
    if sms.provider == "sns":
        return SnsSmsSender(sms.sender_id)
    if sms.provider == "end_user_messaging":
        return EndUserMessagingSmsSender(sms.origination_identity, sms.configuration_set)
    return None
