"""docs/exchange/README.md is the normative spec partners build from: its JSON examples validate
against the schemas they name, its digest examples recompute, its table of the states each message
is valid in is the code's, and its refusal table lists exactly the codes the exchange routes can
answer with, at their statuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.api.contract import _problem_statuses
from chalicelib.api.endpoint import OPERATIONS
from chalicelib.api.messages import PROBLEMS
from chalicelib.domain.case_exchange import valid_states
from chalicelib.domain.envelope import REFUSAL_STATUS, MessageType, payload_digest
from tests.conftest import ROOT

SPEC = (ROOT / "docs" / "exchange" / "README.md").read_text(encoding="utf-8")
SCHEMAS = ROOT / "openapi" / "messages" / "v1"
EXAMPLES = re.findall(r"<!-- example: (\S+) -->\s*```json\n(.*?)```", SPEC, re.S)
DIGESTS = re.findall(r"<!-- example-digest: ([0-9a-f]{64}) -->\s*```json\n(.*?)```", SPEC, re.S)
# built on another branch (oversized envelopes refused with 413): specified here already


def table(name: str) -> list[list[str]]:
    block = SPEC.split(f"<!-- {name}:begin -->")[1].split(f"<!-- {name}:end -->")[0]
    rows = [line for line in block.strip().splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_spec_has_examples_of_each_kind() -> None:
    assert {name for name, _ in EXAMPLES} >= {"envelope", "receipt", "fetch", "digests"} and DIGESTS


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_every_json_example_validates_against_its_schema(name: str, text: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(json.loads(text))]
    assert errors == []


@pytest.mark.parametrize(("digest", "text"), DIGESTS)
def test_every_digest_example_recomputes(digest: str, text: str) -> None:
    assert payload_digest(json.loads(text)) == digest


def test_the_envelope_example_binds_the_frozen_forwarded_message() -> None:
    envelope = json.loads(dict(EXAMPLES)["envelope"])
    forwarded = json.loads(
        (ROOT / "tests/fixtures/messages/v1/case.forwarded.json").read_text(encoding="utf-8")
    )
    assert envelope["payload_sha256"] == payload_digest(forwarded)


def test_the_state_table_is_the_codes() -> None:
    documented: dict[str, tuple[str, list[str]]] = {}
    for kind, side, cell in table("states"):
        documented[kind.strip("`")] = (side, re.findall(r"`([a-z_]+)`", cell))
    expected = {}
    for kind in MessageType:
        side, states = valid_states(kind)
        expected[kind.value] = (side, [s.value for s in states])
    assert documented == expected


def refusal_codes() -> dict[str, int]:
    """Every code the exchange routes can answer with, and its status."""
    codes: set[str] = set(REFUSAL_STATUS)
    for op in OPERATIONS:
        if op.path in (
            "/v1/exchange/messages",
            "/v1/exchange/files",
            "/v1/exchange/catalog-digests",
            "/v1/exchange/catalog",
        ):
            codes |= {code for listed in _problem_statuses(op).values() for code in listed}
    return {code: PROBLEMS[code][0] for code in codes}


def test_the_refusal_table_lists_exactly_the_codes_the_routes_can_answer_with() -> None:
    import app  # noqa: F401 — registers the routes

    documented = {code.strip("`"): int(status) for code, status, *_ in table("refusals")}
    expected: dict[str, Any] = refusal_codes()
    assert documented == expected
    assert all(REFUSAL_STATUS[c] == PROBLEMS[c][0] for c in REFUSAL_STATUS)


def test_the_digest_read_table_lists_exactly_the_codes_its_route_can_answer_with() -> None:
    import app  # noqa: F401 — registers the routes

    block = SPEC.split("## 19. Catalog digests")[1]
    rows = [line for line in block.splitlines() if line.startswith("| `")]
    documented = {row.split("|")[1].strip().strip("`"): int(row.split("|")[2]) for row in rows}
    (op,) = [op for op in OPERATIONS if op.path == "/v1/exchange/catalog-digests"]
    expected = {code for listed in _problem_statuses(op).values() for code in listed}
    assert documented == {code: PROBLEMS[code][0] for code in expected}
