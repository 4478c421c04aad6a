"""Identifiers (标识) of the gateway and their patterns, each defined here once with its meaning.

Every pattern is an anchored regular expression as a string, usable as it is in OpenAPI, JSON
Schema and pydantic (`Field(pattern=...)`); `matches` checks a value against one. The API answers a
path identifier outside its pattern as an unknown resource (404), a body field outside its pattern
as a validation failure (422): both before anything is read.

Invariants:
- Identifiers this gateway issues (case numbers, file ids) draw their random part from
  `ISSUED_ALPHABET`: capitals and digits without 0, 1, I and O, so a number read aloud at a window or
  copied from paper is not mistaken. Their patterns say exactly that.
- The exchange message contract v1 (`openapi/messages/v1/`, published to partners) admits the wider
  form `*_V1_PATTERN` (any capitals and digits, any eight-digit date) for the same identifiers. It is
  kept as published: narrowing a message schema partners validate against is a change of the
  message version, not a refactoring (ADR "identifiers").
"""

from __future__ import annotations

import re
from functools import cache

ISSUED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# GB/T 2260 province-level division code (省级行政区划代码), e.g. 430000 湖南.
PROVINCE_CODE_PATTERN = r"^[1-6][0-9]0000$"
# 办件编号: the handling province, the filing date and eight random characters, e.g.
# 430000-20261123-7KQ2M9XA. A joint case's parts (多地联办) are numbered alike, by the part's province.
CASE_NUMBER_PATTERN = r"^[1-6][0-9]0000-20[0-9]{6}-[A-Z2-9]{8}$"
CASE_NUMBER_V1_PATTERN = r"^[1-6][0-9]0000-[0-9]{8}-[0-9A-Z]{8}$"
# A file (upload, licence copy, result document) of a case: F and twelve random characters.
FILE_ID_PATTERN = r"^F[A-Z2-9]{12}$"
FILE_ID_V1_PATTERN = r"^F[0-9A-Z]{12}$"
# A material slot (申请材料) of an item, as its catalog entry names it: id_card, business_licence.
SLOT_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"
# A national item code (事项编码) of the catalog, e.g. KSTB-RS-004.
ITEM_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z\-]{3,63}$"
# A published version of an item: 1, 2, ...
ITEM_VERSION_PATTERN = r"^[1-9][0-9]{0,5}$"
# A year of the working-day calendar.
CALENDAR_YEAR_PATTERN = r"^20[0-9]{2}$"
# A Beijing date as a query parameter (YYYY-MM-DD).
DATE_PATTERN = r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]$"
# A shipment of originals or results (资料寄递): S and twelve hex digits.
SHIPMENT_ID_PATTERN = r"^S[0-9A-F]{12}$"
# A video session (视频会商) as its provider names it.
VIDEO_SESSION_ID_PATTERN = r"^[0-9A-Za-z\-]{8,64}$"
# An opaque video participant: 2-64 ASCII letters, digits and -_.:, narrower than any provider's own
# limit, so an id fits every provider.
PARTICIPANT_ID_PATTERN = r"^[A-Za-z0-9][-_.:A-Za-z0-9]{1,63}$"
# A publisher's catalog messages travel on the exchange stream `catalog-<publisher>` (事项标准同步).
CATALOG_STREAM_PATTERN = r"^catalog-[1-6][0-9]0000$"
# A compact JWS (header.payload.signature, base64url): envelopes and signed requests.
JWS_PATTERN = r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$"
# A SHA-256 digest in lowercase hex, and a catalog standard's digest (sha256:<hex>).
SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"
STANDARD_DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"
# An Idempotency-Key header as the client chooses it: 1-255 visible ASCII characters.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
# A stable problem code (GET /v1/problems/{code}).
PROBLEM_CODE_PATTERN = r"^[a-z_]{1,64}$"
# A queue with a dead-letter queue.
DEAD_LETTER_QUEUE_PATTERN = r"^(outbound|inbound|uploads|notifications)$"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """Whether `value` is an identifier of the form `pattern` (one of this module's)."""
    return _compiled(pattern).fullmatch(value) is not None
