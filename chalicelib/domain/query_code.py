"""查询码: the code printed on a walk-in applicant's receipt, with which they follow their case.

An applicant without the app holds only paper: the case number and this code. Together they open
the case's public progress card (no personal data) and its rating link.

Invariants:
- A code is `QUERY_CODE_LENGTH` characters of `QUERY_CODE_ALPHABET` (Crockford's base 32: no I, L,
  O or U, so a code read aloud or copied by hand is not mistaken), drawn from the OS's CSPRNG:
  40 bits, never derived from the case number or the applicant.
- Codes are compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets

QUERY_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QUERY_CODE_LENGTH = 8
QUERY_CODE_PATTERN = rf"^[{QUERY_CODE_ALPHABET}]{{{QUERY_CODE_LENGTH}}}$"


def issue_query_code() -> str:
    """A fresh random 查询码."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def query_code_well_formed(given: str) -> bool:
    """Whether `given` (as typed: case and spacing forgiven) could be a code at all."""
    return re.fullmatch(QUERY_CODE_PATTERN, _typed(given)) is not None


def query_code_matches(expected: str | None, given: str) -> bool:
    """Whether `given` (as typed: case and spacing forgiven) is the case's code."""
    if expected is None:
        return False
    typed = _typed(given)
    if not re.fullmatch(QUERY_CODE_PATTERN, typed):
        return False
    return hmac.compare_digest(expected.encode(), typed.encode())


def _typed(given: str) -> str:
    return given.replace(" ", "").replace("-", "").upper()
