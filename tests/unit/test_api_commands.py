"""No route hands a service a dict of its validated body (issue 12: typed commands end to end).

A route validates its body with a request model and hands the use case the typed command that model
builds (`to_command()`), never `call.body.model_dump(...)`. Checked statically over
`chalicelib/api`, like the layer checks (`test_layers.py`): every `model_dump` call in a route module
is either gone or listed below with the reason its body legitimately stays a document.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from chalicelib.api.case_schemas import DraftRequest, RevealRequest
from chalicelib.api.window_schemas import IntakeRequest, ShipmentRequest
from chalicelib.domain import intake_commands, record_commands, shipment_commands
from chalicelib.domain.catalog_terms import Mode
from chalicelib.domain.intake_commands import ApplicantGiven, OpenDraft

API = Path(__file__).resolve().parents[2] / "chalicelib" / "api"

# (module, route function) → why the body stays a document rather than a command
DOCUMENTS_ALLOWED: dict[tuple[str, str], str] = {
    ("ops", "change_item_status"): "a catalog item's status change (取消/下放) is part of the item's "
    "document: validated again as the domain's `StatusChange`, stored and replicated to partners as JSON",
    ("ops", "put_implementation"): "the request model is the domain's own `Implementation` (实施清单), "
    "a catalog document stored and replicated as schema-validated JSON",
    ("ops", "put_partner"): "a partner registry entry (endpoint, keys) is a registry document, stored "
    "and audited as the JSON the operator gave",
}


def _dumps(path: Path) -> list[tuple[str, str]]:
    """(module, enclosing function) of every `….model_dump(…)` call in a route module."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "model_dump"
        ):
            found.append((path.stem, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")
    return found


def test_no_route_hands_a_service_a_dumped_body() -> None:
    dumps = [hit for path in sorted(API.glob("*.py")) for hit in _dumps(path)]
    unexpected = sorted(hit for hit in dumps if hit not in DOCUMENTS_ALLOWED)
    assert unexpected == [], "build a typed command with the request model's to_command() instead"
    # an entry whose route no longer dumps its body is stale: the list says only what is true
    assert sorted(set(dumps)) == sorted(DOCUMENTS_ALLOWED)


def test_the_scan_sees_a_dumped_body(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def open_intake(call):\n"
        "    return container.window().open_intake(call.actor, call.body.model_dump())\n",
        encoding="utf-8",
    )
    assert _dumps(bad) == [("bad", "open_intake")]


@pytest.mark.parametrize(
    "module", [intake_commands, record_commands, shipment_commands], ids=lambda m: m.__name__
)
def test_commands_are_frozen(module: object) -> None:
    classes = [c for c in vars(module).values() if dataclasses.is_dataclass(c) and isinstance(c, type)]
    assert classes
    for command in classes:
        params = command.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen, command.__name__


def test_a_draft_request_builds_its_command() -> None:
    body = DraftRequest.model_validate(
        {"item_code": "KSTB-GA-001", "mode": "joint", "applicant": {"phone": "13800000001"}, "form": {"a": 1}}
    )
    assert body.to_command() == OpenDraft(
        item_code="KSTB-GA-001",
        mode=Mode.JOINT,
        applicant=ApplicantGiven(phone="13800000001"),
        form={"a": 1},
    )
    assert DraftRequest.model_validate({"item_code": "KSTB-GA-001"}).to_command().mode is None


def test_window_requests_build_their_commands() -> None:
    intake = IntakeRequest.model_validate(
        {
            "item_code": "KSTB-GA-002",
            "province": "450000",
            "applicant": {"name": "张三", "id_number": "110101199003070011", "phone": "13800000001"},
            "identity_check": {"method": "id_card_reader", "document": " 居民身份证 "},
        }
    ).to_command()
    assert intake.identity_check.document == "居民身份证"  # stripped by the request model
    assert intake.applicant.fields()["entity_name"] is None and intake.form == {}
    shipment = ShipmentRequest.model_validate(
        {"direction": "to_handler", "carrier": "EMS", "tracking_number": "1", "contents": ["id_card"]}
    ).to_command()
    assert shipment.contents == ("id_card",) and shipment.note is None
    reveal = RevealRequest.model_validate({"fields": ["applicant.phone"], "purpose": "identity_check"})
    assert reveal.to_command().purpose.value == "identity_check"
