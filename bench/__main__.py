"""`make bench`: ratios measured side by side in one run (DESIGN §7), never timed assertions.

1. Cold import: median wall time of `python -c "import app"` over that of
   `python -c "import boto3, chalice"`, alternating the two so load drifts hit both alike.
   Cold start (bench/cold_start.py): a fresh process importing the app and answering its first
   request, over a trivial Chalice handler doing the same one read.
2. AWS calls per catalog list and detail request, counted on botocore's `before-call` event,
   against the minimum of one call each.
3. The full-online happy path act by act (bench/full_online.py): AWS calls against the minimum
   and handler time over the time spent inside the AWS calls.
4. A cross-province case at its handling province (bench/cross_province.py): messages and AWS
   calls per step (receive, apply, act, send) against the minimum.
5. A joint case at its lead province (bench/joint.py): messages and AWS calls per step against the
   minimum.

Parts 2–5 run in one process with one composition root, as a warm Lambda keeps one: its caches
(queue URLs, signing key, working calendar) fill once, on the first step that needs them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15


def _wall(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def cold_import() -> dict[str, float]:
    env = {
        **os.environ,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "TONGBAN_STAGE": "local",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("TONGBAN_ISSUERS", None)
    _wall("import app", env)  # warm the file cache and bytecode once
    app_times, base_times = [], []
    for _ in range(RUNS):
        app_times.append(_wall("import app", env))
        base_times.append(_wall("import boto3, chalice", env))
    app_median, base_median = statistics.median(app_times), statistics.median(base_times)
    return {"app_ms": app_median * 1000, "baseline_ms": base_median * 1000, "ratio": app_median / base_median}


def aws_calls() -> tuple[dict[str, int], list[str]]:
    from infra.devtokens import DevIssuer

    issuer = DevIssuer.generate("430000")
    os.environ.update(
        TONGBAN_ISSUERS=json.dumps([issuer.issuer_config()]),
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="cn-north-1",
        TONGBAN_STAGE="local",
        TONGBAN_PROVINCE="430000",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.adapters.aws import client

    with mock_aws():
        from bench.cross_province import install_root

        install_root()  # before the app's import, which would install production's
        from app import app
        from infra.local.resources import create_province_stack
        from infra.local.seed import seed_catalog

        create_province_stack("430000", "tongban-430000", "cn-north-1")
        seed_catalog()
        calls: list[str] = []

        def count(**kwargs: Any) -> None:
            calls.append(kwargs["model"].name)

        client("dynamodb").meta.events.register("before-call.*.*", count)
        results: dict[str, int] = {}
        with Client(app) as http:
            code = http.http.get("/v1/catalog/items").json_body["items"][0]["code"]
            for name, path in [
                ("list", "/v1/catalog/items?limit=20"),
                ("list_filtered", "/v1/catalog/items?mode=joint&province=430000"),
                ("detail", f"/v1/catalog/items/{code}"),
                ("guide", f"/v1/catalog/items/{code}/guides/430000"),
            ]:
                calls.clear()
                assert http.http.get(path).status_code == 200
                results[name] = len(calls)
        from bench import cross_province
        from bench.full_online import measure, report

        full_online = report(measure(issuer))
        exchange = cross_province.report(*cross_province.measure())
        from bench import joint

        return results, full_online + exchange + joint.report(*joint.measure())


def main() -> None:
    warnings.filterwarnings("ignore")  # moto notes the bucket policy it leaves to the API
    imports = cold_import()
    print(f"cold import (median of {RUNS}, tracing off)")
    print(f"  import app             {imports['app_ms']:7.1f} ms")
    print(f"  import boto3, chalice  {imports['baseline_ms']:7.1f} ms")
    print(f"  ratio                  {imports['ratio']:7.2f}   (target ≤ 1.50)")
    from bench import cold_start

    print("\n".join(cold_start.report(cold_start.measure())))
    catalog, full_online = aws_calls()
    print("AWS calls per catalog request (minimum 1)")
    for name, count in catalog.items():
        print(f"  {name:22} {count:3d}        (target ≤ 1)")
    print("\n".join(full_online))


if __name__ == "__main__":
    main()
