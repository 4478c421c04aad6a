"""Print links (打印链接): a short-lived signed URL that opens a case's receipt without a token.

A window's browser prints the 收件告知单 PDF by opening a link; a bearer token cannot ride along
on a plain navigation, so the clerk's authorised request mints a link instead.

Invariants:
- The signature is HMAC-SHA256 over the province, the case number, the format, the language and the
  expiry, under the gateway's link key: changing any of them, or forging one, is refused.
- A link lives at most `PRINT_LINK_SECONDS`; an expired link is refused even with a good signature.
- Signatures are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import DomainError

PRINT_LINK_SECONDS = 300  # five minutes: long enough to open and print, short enough not to travel
PRINT_FORMATS = ("pdf", "html")
PRINT_LANGUAGES = ("zh", "en")


class PrintLinkRefused(DomainError):
    code = "print_link_invalid"
    status = 403


class PrintLinkExpired(DomainError):
    code = "print_link_expired"
    status = 410


@dataclass(frozen=True)
class PrintLink:
    number: str
    format: str
    lang: str
    expires: int  # Unix seconds

    def query(self, key: bytes, province: str) -> str:
        sig = self.signature(key, province)
        return f"format={self.format}&lang={self.lang}&expires={self.expires}&sig={sig}"

    def signature(self, key: bytes, province: str) -> str:
        message = f"receipt-print|{province}|{self.number}|{self.format}|{self.lang}|{self.expires}"
        digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def mint(number: str, fmt: str, lang: str, now: datetime) -> PrintLink:
    return PrintLink(number=number, format=fmt, lang=lang, expires=int(now.timestamp()) + PRINT_LINK_SECONDS)


def check(
    key: bytes,
    province: str,
    number: str,
    *,
    fmt: str | None,
    lang: str | None,
    expires: str | None,
    sig: str | None,
    now: datetime,
) -> PrintLink:
    """The link as presented, if its signature is ours and it has not expired; else refused."""
    if fmt not in PRINT_FORMATS or lang not in PRINT_LANGUAGES or not expires or not sig:
        raise PrintLinkRefused()
    if not expires.isdigit() or len(expires) > 12:
        raise PrintLinkRefused()
    link = PrintLink(number=number, format=fmt, lang=lang, expires=int(expires))
    if not hmac.compare_digest(sig.encode("ascii", "replace"), link.signature(key, province).encode("ascii")):
        raise PrintLinkRefused()
    if link.expires < int(now.timestamp()):
        raise PrintLinkExpired()
    return link
