"""The TypeScript partner (partners/ts) as a province of the local stack: built with npm from its
lock file, started on its own port, stopped with SIGINT. Its clerk is driven through its control
API. Without Node 20 the tests that need it are skipped, saying why."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT

PACKAGE = ROOT / "partners" / "ts"
MAIN = PACKAGE / "dist" / "src" / "main.js"
CONTROL_TOKEN = "e2e-control-" + os.urandom(12).hex()


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TypeScript partner cannot run (CI has Node 20)")
    major = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    if int(major.strip().lstrip("v").split(".")[0]) < 20:
        pytest.skip(f"the TypeScript partner needs Node 20 or newer, found {major.strip()}")
    return node


def build() -> None:
    """npm ci (exact lock file) when the dependencies are missing, then tsc."""
    npm = shutil.which("npm")
    assert npm is not None, "npm is needed beside node"
    if not (PACKAGE / "node_modules" / ".package-lock.json").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PACKAGE, check=True, capture_output=True)
    subprocess.run([npm, "run", "build"], cwd=PACKAGE, check=True, capture_output=True)


class TsPartner:
    """A running TypeScript partner: its URL, its JWKS and its control API."""

    def __init__(self, url: str, jwks: dict[str, Any], province: str) -> None:
        self.url, self.jwks, self.province = url, jwks, province
        self.headers = {"Authorization": f"Bearer {CONTROL_TOKEN}", "Content-Type": "application/json"}

    def control(self, method: str, path: str, body: Any = None) -> Any:
        answer = requests.request(
            method,
            self.url + "/control" + path,
            headers=self.headers,
            data=json.dumps(body or {}),
            timeout=15,
        )
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return answer.json()

    def register(self, code: str, endpoint: str, jwks: dict[str, Any]) -> None:
        self.control("PUT", f"/partners/{code}", {"endpoint": endpoint, "jwks": jwks})

    def case(self, number: str) -> dict[str, Any]:
        return dict(self.control("GET", f"/cases/{number}"))


@contextmanager
def running(province: str, port: int, workdir: Path) -> Iterator[TsPartner]:
    node = node_or_skip()
    build()
    key, ready = workdir / f"ts-{province}-key.json", workdir / f"ts-{province}-ready.json"
    subprocess.run([node, str(MAIN), "keygen", "--out", str(key)], check=True, capture_output=True)
    command = [node, str(MAIN), "serve", "--province", province, "--port", str(port), "--key", str(key)]
    command += ["--control-token", CONTROL_TOKEN, "--ready-file", str(ready), "--retry-first-ms", "2000"]
    log = (workdir / f"ts-{province}.log").open("w")
    process = subprocess.Popen(command, cwd=PACKAGE, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, (
                "the TypeScript partner exited: " + (workdir / f"ts-{province}.log").read_text()
            )
            assert time.monotonic() < deadline, "the TypeScript partner was not ready within 30 s"
            time.sleep(0.2)
        info = json.loads(ready.read_text(encoding="utf-8"))
        yield TsPartner(info["url"], info["jwks"], province)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        log.close()
