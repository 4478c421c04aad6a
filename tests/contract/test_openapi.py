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
    # signed, idempotent by their id
    keyed_by_body = {"/v1/exchange/messages", "/v1/exchange/files", "/v1/exchange/catalog"}
    for path, methods in build_spec()["paths"].items():
        for method, op in methods.items():
            if op["security"]:
                assert "401" in op["responses"], f"{method} {path}"
            if method == "post" and path not in keyed_by_body:
                names = {p["name"] for p in op["parameters"]}
                assert "Idempotency-Key" in names, f"{method} {path}"
