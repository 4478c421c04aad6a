"""RFC 8785 JSON Canonicalization Scheme, from the RFC: what `payload_sha256` is computed over.

Values must be I-JSON (RFC 7493): integers within ±(2**53 - 1), finite numbers, strings without
lone surrogates. Anything else raises ValueError: it has no canonical form.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def canonicalize(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (as parsed by `json.loads`)."""
    return _serialize(value).encode("utf-8")


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(canonicalize(value)).hexdigest()


def _serialize(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"integer outside I-JSON: {value}")
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_serialize(v) for v in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("object member names must be strings")
        # members sorted by their names as arrays of UTF-16 code units (RFC 8785 section 3.2.3)
        names = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(_string(k) + ":" + _serialize(value[k]) for k in names) + "}"
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise ValueError("lone surrogate in a string")
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def number(value: float) -> str:
    """ECMAScript's Number.prototype.toString (ECMA-262 Number::toString), as RFC 8785 requires."""
    if not math.isfinite(value):
        raise ValueError("NaN and infinities are not JSON")
    if value == 0:
        return "0"  # -0 too
    if value < 0:
        return "-" + number(-value)
    # the shortest digits that round-trip (repr), as a digit string s and exponent n: value = 0.s × 10^n
    _, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    assert isinstance(exponent, int)
    exponent += len(digits) - len(text)
    k = len(text)
    n = exponent + k
    if k <= n <= 21:
        return text + "0" * (n - k)
    if 0 < n <= 21:
        return text[:n] + "." + text[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + text
    e = n - 1
    mantissa = text if k == 1 else text[0] + "." + text[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
