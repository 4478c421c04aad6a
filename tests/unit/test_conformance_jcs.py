"""The conformance kit's own RFC 8785 implementation (written from the RFC, not the gateway's
library) meets the same published vectors: two independent implementations, one set of bytes."""

from __future__ import annotations

import json
import struct

import pytest

from conformance import jcs
from tests.conftest import ROOT

VECTORS = json.loads((ROOT / "docs" / "exchange" / "jcs-vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", VECTORS["numbers"], ids=lambda v: v["ieee754"])
def test_numbers(vector: dict[str, str]) -> None:
    assert jcs.number(struct.unpack(">d", bytes.fromhex(vector["ieee754"]))[0]) == vector["canonical"]


@pytest.mark.parametrize("vector", VECTORS["documents"], ids=lambda v: v["name"])
def test_documents(vector: dict[str, str]) -> None:
    value = json.loads(vector["input"])
    assert jcs.canonicalize(value).decode("utf-8") == vector["canonical"]
    assert jcs.sha256_hex(value) == vector["sha256"]


@pytest.mark.parametrize("value", [2**53, float("nan"), "\udc00", {1: 2}])
def test_values_outside_i_json_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        jcs.canonicalize(value)
