"""The contract: openapi/openapi.json is what the code declares, covers every route, and is valid."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from chalicelib.api.contract import build_spec, render
from tests.conftest import ROOT

SPEC_FILE = ROOT / "openapi" / "openapi.json"


def test_committed_spec_matches_the_code() -> None:
    assert SPEC_FILE.read_text(encoding="utf-8") == render(), (
        "openapi/openapi.json drifted from the code: run `make openapi` and commit the result"
    )


def test_spec_is_valid_openapi_3_1() -> None:
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_route_is_in_the_spec() -> None:
    from app import app

    spec_paths = build_spec()["paths"]
    for path, methods in app.routes.items():
        if path == "/" or path.startswith("/{p1}"):
            continue  # problem+json fallbacks for unknown paths, not operations
        for method in methods:
            assert method.lower() in spec_paths.get(path, {}), f"{method} {path} missing from spec"


def test_every_authenticated_operation_declares_401_and_every_post_an_idempotency_key() -> None:
    # signed requests, idempotent by their id (the catalog reads change nothing)
    keyed_by_body = {"/v1/exchange/messages", "/v1/exchange/files", "/v1/exchange/video-joins"}
    keyed_by_body |= {"/v1/exchange/catalog-digests", "/v1/exchange/catalog"}
    for path, methods in build_spec()["paths"].items():
        for method, op in methods.items():
            if op["security"]:
                assert "401" in op["responses"], f"{method} {path}"
            if method == "post" and path not in keyed_by_body:
                names = {p["name"] for p in op["parameters"]}
                assert "Idempotency-Key" in names, f"{method} {path}"


def test_the_contract_explains_itself() -> None:
    """Every operation says what it does, who may call it and its problems; every tag and every
    field of every schema is described (a generated client shows these to a mobile team)."""
    spec = build_spec()
    tags = {t["name"] for t in spec["tags"]}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            where = f"{method.upper()} {path}"
            assert op["tags"][0] in tags, f"{where}: tag {op['tags'][0]} is not described in contract.TAGS"
            assert "Who may call:" in op["description"] and "Problems" in op["description"], where
    undescribed = [
        f"{model}.{name}"
        for model, schema in spec["components"]["schemas"].items()
        for name, prop in (schema.get("properties") or {}).items()
        if not prop.get("description")
    ]
    assert undescribed == [], f"describe these fields (chalicelib/api/glossary.py): {undescribed}"


def test_a_models_own_field_description_wins_over_the_glossary() -> None:
    from chalicelib.api.glossary import describe_fields

    schemas = {"CaseLine": {"properties": {"number": {"type": "string", "description": "own"}, "due": {}}}}
    described = describe_fields(schemas)["CaseLine"]["properties"]
    assert described["number"]["description"] == "own"
    assert described["due"]["description"].startswith("The due date")
