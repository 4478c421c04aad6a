"""One local stack for every end-to-end test: `python -m infra.local` as `make run` starts it, on
ports below Linux's ephemeral range (32768–60999) so no client socket of an earlier run can hold
them; stopped with Ctrl-C (SIGINT) at the end, leaving no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

# E2E_PORT_OFFSET moves the whole stack, so that two checkouts can run their end-to-end tests at once.
OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "12000"))
MOTO_PORT = OFFSET + 12566
# How long the stack may take to be ready. The tests share the machine's cores with the other
# pytest worker (`make pytest` runs two), so the stack gets longer than `make run`'s 60 s to seed.
STARTUP_SECONDS = float(os.environ.get("E2E_STARTUP_SECONDS", "240"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ready: Path = tmp_path_factory.mktemp("stack") / "ready.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "AWS_"))}
    env.setdefault("LOCAL_STACK_STARTUP_SECONDS", str(STARTUP_SECONDS - 30))
    command = [
        sys.executable,
        "-m",
        "infra.local",
        "--port-offset",
        str(OFFSET),
        "--moto-port",
        str(MOTO_PORT),
    ]
    process = subprocess.Popen(
        [*command, "--ready-file", str(ready)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ready.exists():
            assert process.poll() is None, "the local stack exited before it was ready"
            assert time.monotonic() < deadline, (
                f"the local stack was not ready within {STARTUP_SECONDS:.0f} s"
            )
            time.sleep(0.5)
        yield json.loads(ready.read_text(encoding="utf-8"))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    leftover = subprocess.run(["pgrep", "-f", f"--port {OFFSET + 8430}"], capture_output=True)
    assert leftover.stdout == b"", "a gateway process outlived Ctrl-C"
