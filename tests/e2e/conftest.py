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


_STACKS: list[subprocess.Popen[bytes]] = []  # the running stack, stopped after the last e2e test


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    leftover = subprocess.run(["pgrep", "-f", f"--port {OFFSET + 8430}"], capture_output=True)
    assert leftover.stdout == b"", "a gateway process outlived Ctrl-C"


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the stack as soon as the end-to-end tests are done, not at the end of the session: its
    moto server and pumps would take a core's share from every test that follows."""
    here = Path(__file__).parent
    if _STACKS and (nextitem is None or here not in Path(nextitem.path).parents):
        _stop(_STACKS.pop())


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("stack")
    ready, log = folder / "ready.json", folder / "stack.log"
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
    with log.open("wb") as output:  # kept beside the ready file; its tail explains a failed start
        process = subprocess.Popen(
            [*command, "--ready-file", str(ready)], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    _STACKS.append(process)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ready.exists():
            assert process.poll() is None, f"the local stack exited before it was ready:\n{_tail(log)}"
            assert time.monotonic() < deadline, (
                f"the local stack was not ready within {STARTUP_SECONDS:.0f} s:\n{_tail(log)}"
            )
            time.sleep(0.5)
        yield json.loads(ready.read_text(encoding="utf-8"))
    finally:
        if _STACKS:
            _stop(_STACKS.pop())
