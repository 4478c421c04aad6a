"""The local stack's control: each command reaches the orchestrator's main loop and its answer
comes back as JSON; unknown paths and provinces are 404s."""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
from concurrent.futures import Future
from typing import Any

from infra.local.processes import free_port
from infra.local.stack import start_control


def _call(url: str, method: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_commands_reach_the_main_loop_and_come_back() -> None:
    commands: queue.Queue[tuple[str, str, Future[dict[str, Any]]]] = queue.Queue()
    seen: list[tuple[str, str]] = []

    def main_loop() -> None:  # stands in for LocalStack.watch
        for _ in range(3):
            action, code, done = commands.get(timeout=10)
            seen.append((action, code))
            if code == "990000":
                done.set_exception(LookupError("no province 990000 in this stack"))
            else:
                done.set_result({"province": code, "state": "stopped" if action == "stop" else "running"})

    worker = threading.Thread(target=main_loop, daemon=True)
    worker.start()
    port = free_port()
    server = start_control(port, commands)
    base = f"http://127.0.0.1:{port}"
    try:
        assert _call(f"{base}/gateways/450000/stop", "POST") == (
            200,
            {"province": "450000", "state": "stopped"},
        )
        assert _call(f"{base}/gateways/450000/start", "POST") == (
            200,
            {"province": "450000", "state": "running"},
        )
        assert _call(f"{base}/gateways/990000/stop", "POST")[0] == 404
        assert _call(f"{base}/gateways/450000/reboot", "POST")[0] == 404  # never reaches the loop
        assert _call(f"{base}/elsewhere", "GET")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
    worker.join(timeout=5)
    assert seen == [("stop", "450000"), ("start", "450000"), ("stop", "990000")]
