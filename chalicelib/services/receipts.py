"""收件告知单 (intake receipt) of a window intake: issued once, shown as data, an A4 page or a PDF,
and printed through a short-lived signed link.

Invariants:
- Only the window that took the case in issues and reads its receipt with a token; the first read
  records `receipt_issued` on the case (once).
- A print link is minted only by that window, for a receipt already issued, and opens nothing but
  that receipt, in the format and language it names, until it expires (domain.print_link).
- The receipt shows no clear personal data (domain.receipt), so a print link may be opened without
  a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain import print_link
from chalicelib.domain.case import Case
from chalicelib.domain.case_acts import record
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.receipt import default_desk, intake_receipt
from chalicelib.domain.window_desk import WindowDesk
from chalicelib.services.cases import CaseService, by_of

PRINT_PATH = "/v1/print/receipts/{number}"


class ReceiptService:
    def __init__(
        self,
        cases: CaseService,
        desks: Mapping[str, WindowDesk],
        public_base_url: str | None,
        link_key: bytes,
        province: str,
    ) -> None:
        self._cases = cases
        self._desks = desks
        self._public_base_url = public_base_url
        self._link_key = link_key
        self._province = province

    def issue(self, principal: Principal, number: str, lang: str) -> dict[str, Any]:
        """The receipt's data; the first time it is asked for, `receipt_issued` is recorded."""
        case = self._cases.windowed(principal, number)
        if case.intake is None:
            raise NotFound("case_not_found")
        if case.intake.receipt_issued_at is None:
            outcome = record(case, "receipt_issued", by_of(principal), self._cases.now(), {})
            assert outcome.case.intake is not None
            outcome.case.intake.receipt_issued_at = outcome.case.updated_at
            case = self._cases.save(case, [outcome])
        return self.data(case, lang)

    def data(self, case: Case, lang: str) -> dict[str, Any]:
        assert case.intake is not None
        desk = self._desks.get(case.intake.window) or default_desk(case.intake.province, lang)
        return intake_receipt(case, desk, self._public_base_url, lang)

    def render(self, principal: Principal, number: str, fmt: str, lang: str) -> str | bytes:
        return _rendered(self.issue(principal, number, lang), fmt)

    def print_link(self, principal: Principal, number: str, lang: str) -> dict[str, Any]:
        """Signed links to the PDF and the page, valid for `print_link.PRINT_LINK_SECONDS`."""
        self.issue(principal, number, lang)
        now = self._cases.now()
        path = PRINT_PATH.format(number=number)
        links = {fmt: print_link.mint(number, fmt, lang, now) for fmt in print_link.PRINT_FORMATS}
        base = (self._public_base_url or "").rstrip("/")
        return {
            "pdf_url": f"{base}{path}?{links['pdf'].query(self._link_key, self._province)}",
            "html_url": f"{base}{path}?{links['html'].query(self._link_key, self._province)}",
            "expires_at": rfc3339(now.fromtimestamp(links["pdf"].expires, now.tzinfo)),
        }

    def printable(self, number: str, query: Mapping[str, str]) -> tuple[str, str | bytes]:
        """The receipt a signed link names, as (format, content); refused unless the link is good."""
        link = print_link.check(
            self._link_key,
            self._province,
            number,
            fmt=query.get("format"),
            lang=query.get("lang"),
            expires=query.get("expires"),
            sig=query.get("sig"),
            now=self._cases.now(),
        )
        case = self._cases.book.load(number)
        if case.intake is None or case.intake.receipt_issued_at is None:
            raise NotFound("case_not_found")
        return link.format, _rendered(self.data(case, link.lang), link.format)


def _rendered(data: dict[str, Any], fmt: str) -> str | bytes:
    from chalicelib.services.receipt_render import render_html, render_pdf

    return render_pdf(data) if fmt == "pdf" else render_html(data)
