"""The full-online happy path, act by act: AWS calls against the minimum, and handler time over the
time spent inside the AWS calls it makes (both measured in one run on in-process moto).

Minimum per act (issue 3): one read for a GET; one transaction and at most one queue send for a
state change. Idempotency records (Powertools: one put, one update per POST) are counted apart,
since they are the price of `Idempotency-Key`, not of the act.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from infra.devtokens import DevIssuer

PDF = b"%PDF-1.7\n" + b"0" * 4096 + b"\n%%EOF\n"
ROUNDS = 5
IDEMPOTENCY_TABLE = "tongban-430000-idempotency"


@dataclass
class Meter:
    """Counts botocore calls by operation and the wall time spent inside them."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    in_aws: float = 0.0
    _started: dict[int, float] = field(default_factory=dict)
    _table: str = ""

    def params(self, params: Any = None, **_: Any) -> None:
        # Fired for presigning too, which makes no call: only remember the table for before-call.
        self._table = str(params.get("TableName", "")) if isinstance(params, dict) else ""

    def before(self, model: Any, **_: Any) -> None:
        self.calls.append((model.name, self._table))
        self._table = ""
        self._started[id(model)] = time.perf_counter()

    def after(self, model: Any, **_: Any) -> None:
        started = self._started.pop(id(model), None)
        if started is not None:
            self.in_aws += time.perf_counter() - started

    def reset(self) -> None:
        self.calls.clear()
        self.in_aws = 0.0


@dataclass
class ActFigures:
    name: str
    kind: str  # read | change
    calls: Counter[str]
    idempotency_calls: int
    handler_ms: float
    aws_ms: float

    @property
    def case_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def minimum(self) -> int:
        """One read for a GET; one transaction and at most one send for a change; plus the S3 reads
        a check of an uploaded object cannot do without (HEAD, GET)."""
        if self.kind == "read":
            return 1
        return least_calls(self.calls, changes=1)


# Calls a step cannot do without, counted into its minimum as made: the S3 reads of checking an
# uploaded object (HEAD, GET), and for the exchange a signature (KMS Sign) on each message or
# receipt and its write-once evidence copy (S3 PutObject).
INHERENT = ("HeadObject", "GetObject", "Sign", "PutObject")


def least_calls(calls: Counter[str], changes: int) -> int:
    """The minimum of a step making `changes` state changes (acts, or messages kept): one write each,
    at most one queue send each, and the inherent calls it made."""
    return changes + min(changes, calls.get("SendMessage", 0)) + sum(calls.get(op, 0) for op in INHERENT)


def measure(issuer: DevIssuer) -> list[ActFigures]:
    from chalice.test import Client

    from app import app
    from chalicelib import container
    from chalicelib.adapters.aws import client
    from infra.local.seed import seed_calendar, seed_catalog
    from infra.local.seed_licences import seed_licences

    seed_catalog()
    seed_calendar()
    seed_licences("tongban-430000-catalog")
    meter = Meter()
    for service in ("dynamodb", "sqs", "s3"):
        events = client(service).meta.events
        events.register("provide-client-params.*.*", meter.params)
        events.register("before-call.*.*", meter.before)
        events.register("after-call.*.*", meter.after)
    # 工业产品生产许可证 serves legal persons: the company's acting employee files it
    applicant = {"Authorization": f"Bearer {issuer.token('applicant', sub='dev-legal-person-1')}"}
    clerk = {"Authorization": f"Bearer {issuer.token('authority_clerk')}"}
    counter = iter(range(1, 10**6))
    samples: dict[str, list[ActFigures]] = {}

    with Client(app) as http:

        def call(name: str, kind: str, method: str, path: str, who: dict[str, str], body: Any = None) -> Any:
            headers = dict(who)
            if method == "POST":
                headers["Idempotency-Key"] = f"bench-{next(counter)}"
            if body is not None:
                headers["Content-Type"] = "application/json"
            container.working_calendar()  # a warm process: the calendar is cached
            meter.reset()
            started = time.perf_counter()
            response = getattr(http.http, method.lower())(
                path, headers=headers, body=json.dumps(body, ensure_ascii=False) if body is not None else b""
            )
            elapsed = time.perf_counter() - started
            assert response.status_code in (200, 201), (name, response.status_code, response.body)
            ops = Counter(op for op, table in meter.calls if table != IDEMPOTENCY_TABLE)
            idem = sum(1 for _, table in meter.calls if table == IDEMPOTENCY_TABLE)
            samples.setdefault(name, []).append(
                ActFigures(name, kind, ops, idem, elapsed * 1000, meter.in_aws * 1000)
            )
            return json.loads(response.body)

        def give(number: str, slot: str, who: dict[str, str], path: str) -> str:
            ticket = call(
                "upload ticket",
                "change",
                "POST",
                path,
                who,
                {
                    "filename": "a.pdf",
                    "content_type": "application/pdf",
                    "size": len(PDF),
                    "sha256": hashlib.sha256(PDF).hexdigest(),
                },
            )
            requests.put(ticket["upload"]["url"], data=PDF, headers=ticket["upload"]["headers"], timeout=10)
            call(
                "confirm upload",
                "change",
                "POST",
                f"/v1/cases/{number}/files/{ticket['file_id']}/confirm",
                who,
            )
            return str(ticket["file_id"])

        form = {
            "enterprise_name": "测试机械有限公司",
            "product_name": "电线电缆",
            "production_address": "长沙市",
            "procedure": "一般程序",
        }
        for _ in range(ROUNDS):
            n = call(
                "open draft",
                "change",
                "POST",
                "/v1/cases",
                applicant,
                {"item_code": "KSTB-SJ-001", "form": form},
            )["number"]
            give(n, "business_licence", applicant, f"/v1/cases/{n}/materials/business_licence/uploads")
            give(n, "application_form", applicant, f"/v1/cases/{n}/materials/application_form/uploads")
            call("submit", "change", "POST", f"/v1/cases/{n}/submit", applicant)
            call("case detail", "read", "GET", f"/v1/cases/{n}", applicant)
            call("inbox", "read", "GET", "/v1/authority/cases", clerk)
            call("accept", "change", "POST", f"/v1/authority/cases/{n}/accept", clerk, {})
            call("review", "change", "POST", f"/v1/authority/cases/{n}/review", clerk, {})
            call("decide", "change", "POST", f"/v1/authority/cases/{n}/decide", clerk, {"approved": True})
            result = give(n, "result", clerk, f"/v1/authority/cases/{n}/result-uploads")
            call(
                "issue result",
                "change",
                "POST",
                f"/v1/authority/cases/{n}/issue-result",
                clerk,
                {"delivery": "electronic", "title": "工业产品生产许可证", "file_id": result},
            )
            call("result download", "change", "GET", f"/v1/cases/{n}/result", applicant)
            call("rate", "change", "POST", f"/v1/cases/{n}/rating", applicant, {"level": "satisfied"})
            call("my cases", "read", "GET", "/v1/cases", applicant)
            call("timeline", "read", "GET", f"/v1/cases/{n}/timeline", applicant)
    return [_median(name, runs) for name, runs in samples.items()]


def _median(name: str, runs: list[ActFigures]) -> ActFigures:
    last = runs[-1]
    return ActFigures(
        name,
        last.kind,
        last.calls,
        last.idempotency_calls,
        statistics.median(r.handler_ms for r in runs),
        statistics.median(r.aws_ms for r in runs),
    )


COLUMNS = f"  {'act':18} {'AWS calls':>9} {'min':>4} {'idem':>5} {'handler ms':>11} {'in AWS ms':>10}"


def report(figures: list[ActFigures]) -> list[str]:
    lines = [
        f"full-online happy path (median of {ROUNDS} cases, in-process moto, warm process)",
        COLUMNS + f" {'ratio':>6}  calls",
    ]
    for f in figures:
        ratio = f.handler_ms / f.aws_ms if f.aws_ms else float("nan")
        ops = ", ".join(f"{op}×{n}" if n > 1 else op for op, n in sorted(f.calls.items()))
        counts = f"{f.case_calls:9d} {f.minimum:4d} {f.idempotency_calls:5d}"
        times = f"{f.handler_ms:11.1f} {f.aws_ms:10.1f} {ratio:6.2f}"
        lines.append(f"  {f.name:18} {counts} {times}  {ops}")
    return lines
