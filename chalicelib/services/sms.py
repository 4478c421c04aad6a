"""SMS notices (短信通知) to walk-in applicants: the notices app users get in the app, sent by SMS
to the phone the window recorded, through a provider adapter chosen by configuration.

Invariants:
- Only a case whose applicant has no app account (an intake's opaque window subject) is texted;
  once the window binds the app (绑定码) the notices go to the app only.
- Each notice is texted at most once: a ledger record (the notice id) is claimed before sending
  and released if the provider refuses, so a redelivered notice is not texted twice and a failed
  one is retried by the queue.
- The phone number goes to the provider and nowhere else: never into a log line, a metric or an
  exception message (an adapter's error names its code, never the request).

Providers (`SmsSender`): the local stand-in (readable in development), Amazon SNS `Publish` to a
phone number, AWS End User Messaging SMS `SendTextMessage` (adapters/sms.py). A domestic provider
(e.g. one that sends only pre-approved templates) implements the same protocol and reads
`SmsMessage.template` and `params` instead of `text`; README "SMS notices" describes it.
"""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.domain.case import Case
from chalicelib.domain.query_code import QUERY_CODE_LENGTH
from chalicelib.domain.walkin import SmsMessage, is_walk_in, progress_link, sms_of, texted
from chalicelib.observability import logger


class SmsSender(Protocol):
    """An SMS provider: sends one message, returns the provider's message id."""

    name: str

    def send(self, message: SmsMessage) -> str: ...


class SmsLedger(Protocol):
    def claim(self, notice_id: str) -> bool: ...
    def release(self, notice_id: str) -> None: ...


class CaseReader(Protocol):
    def get(self, number: str) -> dict[str, Any] | None: ...


class SmsNotifier:
    def __init__(self, cases: CaseReader, sender: SmsSender | None, ledger: SmsLedger, base_url: str) -> None:
        self._cases = cases
        self._sender = sender
        self._ledger = ledger
        self._base_url = base_url

    @property
    def provider(self) -> str:
        return self._sender.name if self._sender is not None else "none"

    def notify(self, notice: dict[str, Any]) -> str:
        """Text a delivered notice to its walk-in applicant; returns what became of it."""
        if not is_walk_in(str(notice.get("recipient", ""))):
            return "app"
        if not texted(notice):
            return "window_matter"  # e.g. a scan of the window's that failed its check
        doc = self._cases.get(str(notice["case"]))
        if doc is None:
            return "unknown_case"
        case = Case.model_validate(doc)
        if not is_walk_in(case.applicant.issuer) or case.intake is None:
            return "app"  # bound to an app account since: notices reach the app
        if self._sender is None:
            logger.warning("sms not sent: no provider configured", extra={"case": case.number})
            return "no_provider"
        code = case.intake.query_code or ""
        if len(code) != QUERY_CODE_LENGTH:
            return "no_query_code"
        if not self._ledger.claim(str(notice["id"])):
            return "duplicate"
        message = sms_of(notice, case.applicant.phone, progress_link(self._base_url, case.number, code))
        try:
            provider_id = self._sender.send(message)
        except Exception:
            self._ledger.release(str(notice["id"]))
            logger.warning(
                "sms send failed",
                extra={"case": case.number, "notice": notice["id"], "provider": self.provider},
            )
            raise
        logger.info(
            "sms sent",
            extra={"case": case.number, "notice": notice["id"], "provider": self.provider, "id": provider_id},
        )
        return "sent"
