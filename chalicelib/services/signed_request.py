"""A partner's signed request to read something of this gateway (a file of a shared case, the
catalog's digests): a compact JWS of its own `typ`, checked like an envelope.

Invariants: the signer is a registered, active partner (its registry keys verify the JWS, whose
`typ` is the one of the route); the request is addressed to this province (`to`); its `sent_at`
carries an offset and lies from 15 minutes before to 2 minutes after now. Anything else is an
ExchangeRefusal with the code docs/exchange/README.md lists for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.clock import parse_rfc3339
from chalicelib.domain.envelope import MAX_AGE, MAX_SKEW, ExchangeRefusal
from chalicelib.domain.partners import Partner
from chalicelib.services.jws import verify_jws
from chalicelib.services.partners import PartnerService


def check_signed_request(
    partners: PartnerService, token: str, unverified: dict[str, Any], typ: str, receiver: str, now: datetime
) -> tuple[Partner, dict[str, Any]]:
    """The requesting partner and the verified claims of `token` (whose unverified claims are
    `unverified`), or an ExchangeRefusal saying why not."""
    partner = partners.get(str(unverified.get("from", "")))
    if partner is None:
        raise ExchangeRefusal("unknown_sender")
    claims = verify_jws(token, partner.trusted().jwks, typ)
    try:
        sent_at = parse_rfc3339(claims.get("sent_at"))
    except ValueError:
        raise ExchangeRefusal("envelope_malformed") from None
    if claims.get("to") != receiver:
        raise ExchangeRefusal("message_not_addressed_here")
    if sent_at < now - MAX_AGE:
        raise ExchangeRefusal("message_stale")
    if sent_at > now + MAX_SKEW:
        raise ExchangeRefusal("message_from_the_future")
    return partner, claims
