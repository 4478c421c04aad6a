"""payload_sha256 is computed over RFC 8785 (JCS): the published vectors in
docs/exchange/jcs-vectors.json hold for the gateway's canonicalisation, and a payload that a Go
partner encodes with `\\u0026` for `&` has the same digest as ours."""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import pytest

from chalicelib.domain.envelope import ExchangeRefusal, canonical_json, payload_digest
from tests.conftest import ROOT

VECTORS = json.loads((ROOT / "docs" / "exchange" / "jcs-vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", VECTORS["numbers"], ids=lambda v: v["ieee754"])
def test_numbers_serialise_as_rfc8785_appendix_b(vector: dict[str, str]) -> None:
    number = struct.unpack(">d", bytes.fromhex(vector["ieee754"]))[0]
    assert canonical_json(number).decode() == vector["canonical"]


@pytest.mark.parametrize("vector", VECTORS["documents"], ids=lambda v: v["name"])
def test_documents_canonicalise_to_the_published_bytes(vector: dict[str, str]) -> None:
    canonical = canonical_json(json.loads(vector["input"]))
    assert canonical.decode("utf-8") == vector["canonical"]
    assert (
        hashlib.sha256(canonical).hexdigest()
        == vector["sha256"]
        == payload_digest(json.loads(vector["input"]))
    )


def test_the_digest_does_not_depend_on_how_the_sender_escaped_or_ordered_its_json() -> None:
    ours = json.dumps({"enterprise_name": "A&B 公司", "n": 1}, ensure_ascii=False)
    go_style = '{"n":1.0,"enterprise_name":"A\\u0026B \\u516c\\u53f8"}'  # Go: & as \\u0026, float 1.0
    assert payload_digest(json.loads(ours)) == payload_digest(json.loads(go_style))


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    # U+1F600 is D83D DE00 in UTF-16, before U+FB33: code-point order would put it last
    assert canonical_json({"\ufb33": 1, "\U0001f600": 2}).decode() == '{"\U0001f600":2,"\ufb33":1}'


@pytest.mark.parametrize("value", [2**60, float("nan"), float("inf"), "\ud800", {"k": -(2**53)}])
def test_a_value_outside_i_json_has_no_canonical_form_and_is_refused(value: Any) -> None:
    with pytest.raises(ExchangeRefusal) as refused:
        payload_digest({"v": value})
    assert refused.value.code == "payload_not_canonical" and refused.value.status == 422
