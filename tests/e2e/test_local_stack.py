"""End to end: `python -m infra.local` as `make run` starts it, used over HTTP, then stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
# Below Linux's ephemeral range (32768–60999): no client socket of an earlier stack can hold them.
OFFSET, MOTO_PORT = 12000, 24566


def fetch(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ready: Path = tmp_path_factory.mktemp("stack") / "ready.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "AWS_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local",
            "--port-offset",
            str(OFFSET),
            "--moto-port",
            str(MOTO_PORT),
            "--ready-file",
            str(ready),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert process.poll() is None, "the local stack exited before it was ready"
            assert time.monotonic() < deadline, "the local stack was not ready within 120 s"
            time.sleep(0.5)
        info = json.loads(ready.read_text(encoding="utf-8"))
        yield info
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    leftover = subprocess.run(["pgrep", "-f", f"--port {OFFSET + 8430}"], capture_output=True)
    assert leftover.stdout == b"", "a gateway process outlived Ctrl-C"


def test_three_provinces_serve_their_own_seeded_catalog(stack: dict[str, Any]) -> None:
    assert set(stack["provinces"]) >= {"430000", "450000", "320000"}
    for code, province in stack["provinces"].items():
        status, health = fetch(province["url"] + "/v1/health")
        assert status == 200 and health["province"]["code"] == code
        status, page = fetch(province["url"] + "/v1/catalog/items?q=%E6%88%B7%E5%8F%A3")
        assert status == 200 and [i["name"] for i in page["items"]] == ["户口迁移（夫妻投靠）"]


def test_tokens_work_only_at_their_own_province(stack: dict[str, Any]) -> None:
    provinces = stack["provinces"]
    hunan, guangxi = provinces["430000"], provinces["450000"]
    for role, token in hunan["tokens"].items():
        status, me = fetch(hunan["url"] + "/v1/me", token)
        assert status == 200 and me["role"] == role
    status, problem = fetch(guangxi["url"] + "/v1/me", hunan["tokens"]["operator"])
    assert status == 401 and problem["code"] == "token_invalid"


def test_unknown_routes_are_problems_over_real_http(stack: dict[str, Any]) -> None:
    status, problem = fetch(stack["provinces"]["320000"]["url"] + "/v1/nowhere")
    assert status == 404 and problem["code"] == "route_not_found"
