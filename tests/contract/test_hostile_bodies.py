"""Hostile input on every operation finds no 5xx: nesting, size and cursors (hypothesis).

Schemathesis (test_fuzz.py) sends what the contract describes; this sends what it does not: bodies
nested thousands deep, bodies over the size limits, and cursors that are not the gateway's. Every
answer is a 4xx problem+json or a success, on every POST and every paged list.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import app
from chalicelib.api.endpoint import MAX_BODY_BYTES, OPERATIONS, Operation
from tests.conftest import bearer

POSTS = [op for op in OPERATIONS if op.method in ("POST", "PUT") and op.request_model]
PAGED = [op for op in OPERATIONS if op.method == "GET" and any(q.name == "cursor" for q in op.query)]
FUZZ = settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def http(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from infra.local.seed import seed_catalog

    seed_catalog()
    with Client(app) as client:
        yield client.http


def concrete(path: str) -> str:
    """A route template with plausible values in its parameters."""
    values = {
        "{number}": "430000-20261130-ABCDEFGH",
        "{slot}": "id_card",
        "{file_id}": "FABCDEFGHJKLM",
        "{code}": "KSTB-RS-004",
        "{year}": "2027",
        "{province}": "450000",
        "{queue}": "outbound",
        "{shipment_id}": "S0123456789AB",
    }
    for name, value in values.items():
        path = path.replace(name, value)
    return path.replace("{", "").replace("}", "")


def headers_for(op: Operation, key: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    if op.roles:
        headers.update(bearer(op.roles[0].value))
    return headers


def no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith("application/problem+json")


openers = st.sampled_from(["[", '{"a":'])


@st.composite
def nested_bodies(draw: st.DrawFn) -> str:
    """JSON (or nearly) nested 1–3000 deep, arrays and objects mixed, sometimes left unclosed."""
    depth = draw(st.integers(min_value=1, max_value=3000))
    opened = [draw(openers) for _ in range(min(depth, 40))] * (depth // 40 + 1)
    opened = opened[:depth]
    closing = "".join("]" if o == "[" else "}" for o in reversed(opened))
    if draw(st.booleans()):
        closing = closing[: draw(st.integers(min_value=0, max_value=len(closing)))]
    return "".join(opened) + "1" + closing


@pytest.mark.parametrize("op", POSTS, ids=[f"{op.method} {op.path}" for op in POSTS])
@FUZZ
@given(body=nested_bodies(), n=st.integers(min_value=0, max_value=10**9))
def test_nesting_never_yields_a_5xx(http: Any, op: Operation, body: str, n: int) -> None:
    response = http.request(op.method, concrete(op.path), headers=headers_for(op, f"n{n}"), body=body)
    no_server_error(response)
    if body.count("[") + body.count("{") > 40:
        assert response.status_code == 400


@pytest.mark.parametrize("op", POSTS, ids=[f"{op.method} {op.path}" for op in POSTS])
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(extra=st.integers(min_value=1, max_value=4 * MAX_BODY_BYTES))
def test_size_never_yields_a_5xx(http: Any, op: Operation, extra: int) -> None:
    body = json.dumps({"x": "a" * (op.max_body + extra)})
    response = http.request(op.method, concrete(op.path), headers=headers_for(op, f"s{extra}"), body=body)
    no_server_error(response)
    assert response.status_code == 413


cursors = st.one_of(
    st.text(min_size=1, max_size=300),
    st.builds(
        lambda raw, mac: base64.urlsafe_b64encode(raw).decode().rstrip("=") + mac,
        st.binary(max_size=200),
        st.sampled_from(["", ".", ".AAAA", ".AAAAAAAAAAAAAAAAAAAAAA"]),
    ),
    st.builds(
        lambda doc: base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("="),
        st.dictionaries(st.text(max_size=5), st.dictionaries(st.just("S"), st.text(max_size=10))),
    ),
)


@pytest.mark.parametrize("op", PAGED, ids=[op.path for op in PAGED])
@FUZZ
@given(cursor=cursors)
def test_cursors_never_yield_a_5xx(http: Any, op: Operation, cursor: str) -> None:
    from urllib.parse import quote

    headers = bearer(op.roles[0].value) if op.roles else {}
    response = http.get(f"{concrete(op.path)}?cursor={quote(cursor, safe='')}", headers=headers)
    no_server_error(response)
