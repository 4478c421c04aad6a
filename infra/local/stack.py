"""The local multi-province stack: moto's server, then per province its data resources, seeds, a
`chalice local` gateway and an event pump — until Ctrl-C, which stops every process it started.

    python -m infra.local [--moto-port 4566] [--port-offset N] [--provinces 430000,450000]
                          [--ready-file PATH]
    python -m infra.local.stack seed   # internal: seed the province named by the environment
    python -m infra.local.stack gateway stop|start|status [CODE] [--stack-file PATH]

State lives only in moto's server, in this process: it is gone when the stack stops.

A partner that is down (stack control): while the stack runs, its orchestrator answers on
`control.url` of the stack file (127.0.0.1, the moto port + 1) — `POST /gateways/<code>/stop`
stops that province's gateway (its HTTP server: connections to its port are refused), and
`POST /gateways/<code>/start` starts it again on the same port; `GET /gateways` lists them. Only
the gateway process stops: the province's tables, queues and buckets stay in moto, and its event
pump keeps running (a province whose front door is down, as a partner sees it). The end-to-end
tests use it; `python -m infra.local.stack gateway stop 450000` does the same by hand. It exists
only in the local stack: a deployed partner is "stopped" by being down, nothing else.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import queue
import re
import signal
import sys
import threading
import time
import urllib.parse
import uuid
import warnings
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from infra.devtokens import TOKEN_LIFETIME_SECONDS, DevIssuer, audience_of, issuer_of
from infra.local.processes import Child, port_in_use, spawn, stop_all
from infra.provinces import ProvinceStage, all_codes, load, receipt_env

ROOT = Path(__file__).resolve().parents[2]
STACK_FILE = ROOT / ".local" / "stack.json"
HOST = "127.0.0.1"
# seconds each startup step may take; LOCAL_STACK_STARTUP_SECONDS gives a loaded machine longer
STARTUP_TIMEOUT = float(os.environ.get("LOCAL_STACK_STARTUP_SECONDS", "60"))
SAMPLE_QUERY = "户口"
FAKE_CREDENTIAL = "local"


class StackError(RuntimeError):
    """The stack could not start, or lost a part; the message says what to do."""


class Stop(BaseException):
    """SIGINT, SIGTERM or SIGHUP: stop everything (BaseException so no `except Exception` eats it)."""


@dataclass
class Province:
    stage: ProvinceStage
    port: int
    issuer: DevIssuer
    env: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.stage.code

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def _codes(text: str) -> list[str]:
    known = all_codes()
    codes = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in codes if c not in known]
    if unknown or not codes:
        raise argparse.ArgumentTypeError(f"unknown province {', '.join(unknown)}; known: {', '.join(known)}")
    return codes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local",
        description="Start the local multi-province stack (state in memory; Ctrl-C stops it all).",
    )
    parser.add_argument("--moto-port", type=int, default=4566, help="port of moto's server (default 4566)")
    parser.add_argument(
        "--port-offset",
        type=int,
        default=0,
        help="added to every gateway's local_port (e.g. 10000 for tests)",
    )
    parser.add_argument(
        "--provinces",
        type=_codes,
        default=None,
        help="comma-separated subset, e.g. 430000,450000 (default all)",
    )
    parser.add_argument(
        "--ready-file",
        type=Path,
        default=None,
        help=f"write the stack description here once ready, instead of {STACK_FILE.relative_to(ROOT)}",
    )
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------


def _no_proxy(env: dict[str, str]) -> None:
    # A developer's HTTP(S)_PROXY must not capture calls to moto or to the gateways.
    entries = [e for e in env.get("NO_PROXY", env.get("no_proxy", "")).split(",") if e]
    merged = ",".join(dict.fromkeys([*entries, HOST, "localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = merged


def aws_env(moto_url: str, region: str) -> dict[str, str]:
    """The parent environment without any AWS_* or TONGBAN_* setting, pointed at moto instead:
    no profile, session token or endpoint override can send a local call to real AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TONGBAN_"))}
    env.update(
        AWS_ENDPOINT_URL=moto_url,
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
        AWS_ACCESS_KEY_ID=FAKE_CREDENTIAL,
        AWS_SECRET_ACCESS_KEY=FAKE_CREDENTIAL,
    )
    _no_proxy(env)
    return env


def province_env(province: Province, moto_url: str) -> dict[str, str]:
    env = aws_env(moto_url, province.stage.region)
    env.update(
        TONGBAN_STAGE="local",
        TONGBAN_PROVINCE=province.code,
        TONGBAN_RESOURCE_PREFIX=province.stage.resource_prefix,
        TONGBAN_ISSUERS=json.dumps([province.issuer.issuer_config()]),
        # the receipt's QR code, print links and the SMS texts' links point at this local gateway
        TONGBAN_PUBLIC_BASE_URL=province.url,
        TONGBAN_WINDOWS=receipt_env(province.stage).get("TONGBAN_WINDOWS", "{}"),
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    return env


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------


def check_ports(moto_port: int, provinces: Sequence[Province]) -> None:
    wanted = [(moto_port, "moto's server (--moto-port)")]
    wanted += [(p.port, f"gateway {p.code} {p.stage.name} (local_port + --port-offset)") for p in provinces]
    seen: dict[int, str] = {}
    for port, what in wanted:
        if not 0 < port < 65536:
            raise StackError(f"port {port} for {what} is out of range")
        if port in seen:
            raise StackError(f"port {port} is given to both {seen[port]} and {what}")
        seen[port] = what
        if port_in_use(port, HOST):
            raise StackError(
                f"port {port} on {HOST}, needed by {what}, is in use — stop what holds it"
                f" (e.g. `ss -ltnp 'sport = :{port}'`) or choose other ports"
            )


_DYNAMODB_REQUESTS = threading.Lock()


def serialize_dynamodb_requests() -> None:
    """Answer moto's DynamoDB requests one at a time, as DynamoDB serialises transactions.

    moto's server answers each request on its own thread, and its `TransactWriteItems` is not
    atomic: it copies every table it writes, and a transaction that fails a condition puts the copy
    back — undoing whatever other requests committed to that table meanwhile. On the local stack a
    province's own publish and a partner's replicated version race for the catalog snapshot, and the
    loser's rollback erased the winner's item (the stack then waited in vain for the seed catalog);
    cases, outboxes and idempotency records share tables the same way. Idempotent."""
    from moto.dynamodb.responses import DynamoHandler

    answer = DynamoHandler.call_action
    if getattr(answer, "serialized", False):
        return

    def one_at_a_time(self: DynamoHandler) -> Any:
        with _DYNAMODB_REQUESTS:
            return answer(self)

    one_at_a_time.serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]


def start_moto(port: int) -> Any:
    from moto.server import ThreadedMotoServer

    # One access-log line per SQS long poll would drown everything else.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    serialize_dynamodb_requests()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    return server


def create_resources(provinces: Sequence[Province], moto_url: str) -> None:
    from infra.local.resources import create_province_stack

    # moto's CloudFormation warns that it skips the bucket policy; infra.local.resources applies
    # it by API, so the warning is noise here.
    moto_log = logging.getLogger("moto")
    level = moto_log.level
    moto_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for province in provinces:
                os.environ.clear()
                os.environ.update(aws_env(moto_url, province.stage.region))
                province.resources = create_province_stack(
                    province.code, province.stage.resource_prefix, province.stage.region
                )
    finally:
        moto_log.setLevel(level)


def _healthy(port: int) -> bool:
    # http.client, not urllib: no proxy settings apply.
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/v1/health")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def wait_until_ready(seeds: Sequence[Child], gateways: dict[int, Child], pumps: Sequence[Child]) -> None:
    """Seeds done, every gateway answering /v1/health, every pump ready — or a clear error."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    pending_seeds, pending_gateways, pending_pumps = list(seeds), dict(gateways), list(pumps)
    while pending_seeds or pending_gateways or pending_pumps:
        for child in list(pending_seeds):
            if child.exited:
                if child.process.returncode != 0:
                    raise StackError(f"{child.label} failed:\n{child.last_output()}")
                pending_seeds.remove(child)
        for port, child in list(pending_gateways.items()):
            if child.exited:
                raise StackError(
                    f"{child.label} exited ({child.process.returncode}) before it was healthy:\n"
                    f"{child.last_output()}"
                )
            if _healthy(port):
                del pending_gateways[port]
        for child in list(pending_pumps):
            if child.exited:
                raise StackError(f"{child.label} exited ({child.process.returncode}):\n{child.last_output()}")
            if child.ready.is_set():
                pending_pumps.remove(child)
        if time.monotonic() > deadline:
            late = [c.label for c in pending_seeds + list(pending_gateways.values()) + pending_pumps]
            raise StackError(f"not ready after {STARTUP_TIMEOUT:.0f} s: {', '.join(late)}")
        time.sleep(0.2)


def describe(
    provinces: Sequence[Province], moto_url: str, run_id: str, startup: float, control_url: str = ""
) -> dict[str, Any]:
    """What scripts and end-to-end tests need: URLs, ports, tokens and the issuers' keys."""
    return {
        "run_id": run_id,
        "pid": os.getpid(),
        "state": "in memory: lost when the stack stops",
        "ready_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "startup_seconds": round(startup, 1),
        "moto": {"endpoint": moto_url, "port": int(urllib.parse.urlsplit(moto_url).port or 0)},
        "control": {"url": control_url, "gateways": "POST /gateways/<code>/stop|start, GET /gateways"},
        "provinces": {
            p.code: {
                "code": p.code,
                "name": p.stage.name,
                "region": p.stage.region,
                "resource_prefix": p.stage.resource_prefix,
                "port": p.port,
                "url": p.url,
                "resources": p.resources,
                "issuer": issuer_of(p.code),
                "audience": audience_of(p.code),
                "jwks": p.issuer.jwks(),
                "token_lifetime_seconds": TOKEN_LIFETIME_SECONDS,
                "tokens": p.issuer.tokens(),
            }
            for p in provinces
        },
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically, so a reader polling for the file never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def remove_if_ours(path: Path, run_id: str) -> None:
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("run_id") == run_id:
            path.unlink()
    except (OSError, ValueError):
        pass


def banner(description: dict[str, Any], stack_file: Path) -> str:
    shown = stack_file.relative_to(ROOT) if stack_file.is_relative_to(ROOT) else stack_file
    lines = [
        "",
        f"Tongban Gateway local stack is up ({description['startup_seconds']} s).",
        f"State lives in memory in moto's server ({description['moto']['endpoint']}):"
        " all of it is lost at Ctrl-C.",
    ]
    query = urllib.parse.quote(SAMPLE_QUERY)
    for p in description["provinces"].values():
        lines += ["", f"{p['name']} {p['code']}  {p['url']}", "  development tokens (12 h):"]
        lines += [f"    {role:<16} {token}" for role, token in p["tokens"].items()]
        lines += [
            f"  curl -s '{p['url']}/v1/catalog/items?q={query}'      # {SAMPLE_QUERY}",
            f"  curl -s -H 'Authorization: Bearer {p['tokens']['applicant']}' {p['url']}/v1/me",
        ]
    lines += ["", f"Details (URLs, tokens, JWKS): {shown}", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def gateway_command(chalice: Path, port: int) -> list[str]:
    # --no-autoreload: one process per gateway (the reloader forks a watcher), stopped by one signal
    command = [str(chalice), "local", "--no-autoreload", "--stage", "local"]
    return [*command, "--host", HOST, "--port", str(port)]


def _on_signals(handler: Any) -> dict[int, Any]:
    """Install `handler` for SIGINT, SIGTERM and SIGHUP; return the previous handlers."""
    return {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


class LocalStack:
    """moto's server and, per province, resources, seeds, a gateway and an event pump."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.started = time.monotonic()
        self.run_id = uuid.uuid4().hex
        self.moto_port: int = args.moto_port
        self.moto_url = f"http://{HOST}:{self.moto_port}"
        self.stack_file: Path = (args.ready_file or STACK_FILE).resolve()
        self.chalice = Path(sys.executable).parent / "chalice"
        self.provinces = [
            Province(stage, stage.local_port + args.port_offset, DevIssuer.generate(stage.code))
            for stage in (load(code) for code in (args.provinces or all_codes()))
        ]
        self.children: list[Child] = []
        self.moto: Any = None
        self.gateways: dict[str, Child] = {}  # by province code
        self.stopped: set[str] = set()  # gateways stopped on purpose (stack control)
        self.control_port = self.moto_port + 1
        self.commands: queue.Queue[tuple[str, str, Future[dict[str, Any]]]] = queue.Queue()
        self.control: ThreadingHTTPServer | None = None

    def start(self) -> dict[str, Any]:
        if not self.chalice.exists():
            raise StackError(f"{self.chalice} not found: install requirements-dev.txt into this venv")
        check_ports(self.moto_port, self.provinces)
        if port_in_use(self.control_port, HOST):
            raise StackError(
                f"port {self.control_port} on {HOST}, for the stack control (moto port + 1), is in use"
            )
        if self.stack_file.exists():
            self.stack_file.unlink()  # a stale file must not point at a dead stack
        self.moto = start_moto(self.moto_port)
        print(f"moto's server on {self.moto_url}; creating resources…", file=sys.stderr, flush=True)
        create_resources(self.provinces, self.moto_url)
        seeds: list[Child] = []
        gateways: dict[int, Child] = {}
        pumps: list[Child] = []
        python = sys.executable
        # Seeds, gateways and pumps start together: each is a Python process importing the app,
        # and overlapping them is most of the startup time saved.
        for p in self.provinces:
            p.env = province_env(p, self.moto_url)
            partners = [partner_entry(q) for q in self.provinces if q.code != p.code]
            seed_env = {**p.env, "TONGBAN_LOCAL_PARTNERS": json.dumps(partners)}
            seeds.append(self._spawn(f"{p.code} seed", [python, "-m", "infra.local.stack", "seed"], seed_env))
            gateways[p.port] = self._spawn(f"{p.code} gateway", gateway_command(self.chalice, p.port), p.env)
            self.gateways[p.code] = gateways[p.port]
            pumps.append(
                self._spawn(f"{p.code} pump", [python, "-m", "infra.local.pump"], p.env, "pump ready")
            )
        wait_until_ready(seeds, gateways, pumps)
        from infra.local.seed import catalog_items

        wait_until_replicated(list(gateways), {item["code"] for item in catalog_items()})
        self.control = start_control(self.control_port, self.commands)
        control_url = f"http://{HOST}:{self.control_port}"
        startup = time.monotonic() - self.started
        description = describe(self.provinces, self.moto_url, self.run_id, startup, control_url)
        write_json(self.stack_file, description)
        return description

    def _spawn(
        self, label: str, args: list[str], env: dict[str, str], ready_marker: str | None = None
    ) -> Child:
        child = spawn(label, args, env=env, cwd=ROOT, ready_marker=ready_marker)
        self.children.append(child)
        return child

    def watch(self) -> None:
        """Return never; raise StackError when a gateway or pump exits on its own. Runs the stack
        control's commands (children are spawned from this, the main, thread: see processes.py)."""
        while True:
            stopped = [self.gateways[code] for code in self.stopped]
            for child in self.children:
                if (
                    child.exited
                    and not child.label.endswith(" seed")
                    and all(child is not s for s in stopped)
                ):
                    raise StackError(
                        f"{child.label} exited ({child.process.returncode}); stopping the stack:\n"
                        f"{child.last_output()}"
                    )
            try:
                action, code, done = self.commands.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                done.set_result(self.switch(action, code))
            except Exception as err:  # the caller hears of it; the stack goes on
                done.set_exception(err)

    def switch(self, action: str, code: str) -> dict[str, Any]:
        """Stop or start one province's gateway (its data stays in moto), idempotently; or list them."""
        if action == "status":
            return {"gateways": [self.gateway_state(p.code) for p in self.provinces]}
        province = next((p for p in self.provinces if p.code == code), None)
        if province is None:
            raise LookupError(f"no province {code} in this stack")
        if action == "stop" and code not in self.stopped:
            stop_all([self.gateways[code]])
            self.stopped.add(code)
            deadline = time.monotonic() + 10
            while port_in_use(province.port, HOST) and time.monotonic() < deadline:
                time.sleep(0.1)
        elif action == "start" and code in self.stopped:
            old = self.gateways[code]
            child = spawn(old.label, gateway_command(self.chalice, province.port), env=province.env, cwd=ROOT)
            self.children[self.children.index(old)] = self.gateways[code] = child
            self.stopped.discard(code)
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _healthy(province.port):
                if child.exited or time.monotonic() > deadline:
                    raise StackError(f"{child.label} did not come back:\n{child.last_output()}")
                time.sleep(0.2)
        return self.gateway_state(code)

    def gateway_state(self, code: str) -> dict[str, Any]:
        (province,) = [p for p in self.provinces if p.code == code]
        state = "stopped" if code in self.stopped else "running"
        return {"province": code, "url": province.url, "state": state}

    def stop(self) -> None:
        if self.control is not None:
            self.control.shutdown()
            self.control.server_close()
        killed = stop_all(self.children)
        if killed:
            print(f"killed after the grace period: {', '.join(killed)}", file=sys.stderr)
        if self.moto is not None:
            self.moto.stop()
        remove_if_ours(self.stack_file, self.run_id)


def run(args: argparse.Namespace) -> int:
    stack = LocalStack(args)
    saved_env = dict(os.environ)
    previous = _on_signals(_raise_stop)
    status = 0
    try:
        description = stack.start()
        print(banner(description, stack.stack_file), flush=True)
        stack.watch()
    except Stop:
        print("\nstopping the local stack…", file=sys.stderr, flush=True)
    except StackError as err:
        print(f"\nlocal stack: {err}", file=sys.stderr, flush=True)
        status = 1
    finally:
        _on_signals(signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        try:
            stack.stop()
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    if status == 0:
        print("stopped; every process of the stack has exited.", file=sys.stderr, flush=True)
    return status


_GATEWAY_PATH = re.compile(r"^/gateways/(\d{6})/(stop|start)$")


def start_control(
    port: int, commands: queue.Queue[tuple[str, str, Future[dict[str, Any]]]]
) -> ThreadingHTTPServer:
    """The stack control on 127.0.0.1:`port`: hands each command to the main thread and answers
    with what it did (JSON). Development only: nothing like it exists in a deployed stage."""

    def run(action: str, code: str) -> tuple[int, dict[str, Any]]:
        done: Future[dict[str, Any]] = Future()
        commands.put((action, code, done))
        try:
            return 200, done.result(timeout=STARTUP_TIMEOUT + 15)
        except LookupError as err:
            return 404, {"error": str(err)}
        except Exception as err:
            return 500, {"error": str(err)}

    class Control(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path != "/gateways":
                self._answer(404, {"error": "unknown path"})
                return
            self._answer(*run("status", ""))

        def do_POST(self) -> None:
            match = _GATEWAY_PATH.match(self.path)
            if match is None:
                self._answer(404, {"error": "unknown path"})
                return
            self._answer(*run(match.group(2), match.group(1)))

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((HOST, port), Control)
    threading.Thread(target=server.serve_forever, name="stack-control", daemon=True).start()
    return server


def gateway_main(arguments: Sequence[str]) -> int:
    """`gateway stop|start|status [CODE] [--stack-file PATH]`: the stack control, from a shell."""
    parser = argparse.ArgumentParser(prog="python -m infra.local.stack gateway")
    parser.add_argument("action", choices=("stop", "start", "status"))
    parser.add_argument("code", nargs="?", default="")
    parser.add_argument("--stack-file", type=Path, default=STACK_FILE)
    args = parser.parse_args(arguments)
    if args.action != "status" and not args.code:
        parser.error(f"{args.action} needs a province code")
    control = json.loads(args.stack_file.read_text(encoding="utf-8"))["control"]["url"]
    target = urllib.parse.urlsplit(control)
    connection = http.client.HTTPConnection(
        target.hostname or HOST, target.port, timeout=STARTUP_TIMEOUT + 30
    )
    try:
        if args.action == "status":
            connection.request("GET", "/gateways")
        else:
            connection.request("POST", f"/gateways/{args.code}/{args.action}")
        answer = connection.getresponse()
        print(answer.read().decode("utf-8"))
        return 0 if answer.status == 200 else 1
    finally:
        connection.close()


def partner_entry(province: Province) -> dict[str, str]:
    """What a province's seed needs to register another one as its partner."""
    return {
        "code": province.code,
        "endpoint": f"http://{HOST}:{province.port}",
        "region": province.stage.region,
        "key": f"alias/{province.stage.resource_prefix}-signing",
    }


def seed_main() -> int:
    """Seed the province of this process's environment (the gateway's)."""
    from infra.local.seed import SEED_FILE, seed_calendar, seed_catalog

    if not SEED_FILE.exists():
        print(f"seed catalog {SEED_FILE.relative_to(ROOT)} not found: it must exist before the stack starts")
        return 2
    from chalicelib.container import settings
    from infra.local.seed_licences import seed_licences
    from infra.local.seed_partners import seed_partners

    entries = json.loads(os.environ.get("TONGBAN_LOCAL_PARTNERS", "[]"))
    partners = seed_partners(entries)  # first: each publish is announced to the partners registered
    years = seed_calendar()
    licences = seed_licences(settings().table("catalog"))
    wait_for_partners(entries)  # a first delivery to a gateway still starting would wait out a backoff
    running = {e["code"] for e in entries}
    items = seed_catalog(publisher=settings().province_code, running=running)
    span = f"{min(years)}–{max(years)}" if years else "none"
    print(
        f"seeded {items} catalog items published here, the calendars of {span}, {licences} development"
        f" e-licences and {partners} partner provinces"
    )
    return 0


def wait_for_partners(entries: list[dict[str, str]]) -> None:
    """Until every partner's gateway answers /v1/health (or the startup timeout has passed)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    waiting = [int(e["endpoint"].rsplit(":", 1)[1]) for e in entries]
    while waiting and time.monotonic() < deadline:
        waiting = [port for port in waiting if not _healthy(port)]
        if waiting:
            time.sleep(0.2)


def catalog_codes(port: int) -> set[str]:
    """The item codes a gateway lists (every page)."""
    codes: set[str] = set()
    cursor = ""
    while True:
        connection = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            query = "/v1/catalog/items?limit=100" + (
                f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""
            )
            connection.request("GET", query)
            answer = connection.getresponse()
            if answer.status != 200:
                return codes
            page = json.loads(answer.read())
        except (OSError, http.client.HTTPException, ValueError):
            return codes
        finally:
            connection.close()
        codes.update(item["code"] for item in page["items"])
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return codes


def wait_until_replicated(ports: Sequence[int], codes: set[str]) -> None:
    """Every gateway holds every seed item: published once at its publisher, replicated to the rest."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    missing = {port: set(codes) for port in ports}
    while True:
        missing = {port: left - catalog_codes(port) for port, left in missing.items() if left}
        missing = {port: left for port, left in missing.items() if left}
        if not missing:
            return
        if time.monotonic() > deadline:
            late = ", ".join(f"{port}: {len(left)} items" for port, left in sorted(missing.items()))
            raise StackError(f"the seed catalog did not replicate after {STARTUP_TIMEOUT:.0f} s ({late})")
        time.sleep(0.3)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["seed"]:
        return seed_main()
    if arguments[:1] == ["gateway"]:
        return gateway_main(arguments[1:])
    return run(parse_args(arguments))


if __name__ == "__main__":
    sys.exit(main())
