"""X-Ray: a traced stage emits a subsegment per request to the daemon; tests and local stay silent."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT

TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """A UDP socket standing where the X-Ray daemon listens in Lambda."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def _run(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.fixtures.traced_request"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_deployed_stage_sends_a_subsegment_per_request(daemon: socket.socket) -> None:
    port = daemon.getsockname()[1]
    out = _run(
        {
            "POWERTOOLS_TRACE_DISABLED": "false",
            "AWS_LAMBDA_FUNCTION_NAME": "tongban-gateway-api",
            "LAMBDA_TASK_ROOT": str(ROOT),
            "_X_AMZN_TRACE_ID": f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
        }
    )
    assert out == "200 True"
    header, document = daemon.recv(65536).decode().split("\n", 1)
    assert json.loads(header) == {"format": "json", "version": 1}
    segment = json.loads(document)
    assert segment["trace_id"] == TRACE_ID
    assert segment["name"] == "## GET /v1/health"
    assert segment["annotations"] == {"route": "/v1/health", "status": "200"}


def test_tracing_off_never_imports_the_xray_sdk(daemon: socket.socket) -> None:
    port = daemon.getsockname()[1]
    out = _run({"POWERTOOLS_TRACE_DISABLED": "true", "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}"})
    assert out == "200 False"
    daemon.settimeout(0.5)
    with pytest.raises(TimeoutError):
        daemon.recv(65536)
