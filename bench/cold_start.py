"""Cold start as Lambda sees it: a fresh process imports the handler and answers its first request.

`import app` alone (the cold-import figure) misses what the first request loads on use (ADR 0002
moves request models, PyJWT and jsonschema there). Here each run is one new Python process that
imports the module and hands its Chalice app one API Gateway event, `GET /v1/catalog/items`, with
a Lambda context, exactly as the runtime calls the handler. Its pair is a trivial handler doing the
same minimum work in a process of its own: import boto3 and Chalice, one route, one DynamoDB
`GetItem` of the same catalog snapshot, its first page returned as JSON.

Both talk to one moto server that the bench starts in its own process and seeds with the province's
stack and catalog; the two commands alternate so a load drift hits both alike. The ratio is what
the gateway costs over the least a Python Lambda serving that read could cost.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = "430000"
RUNS = 15

_EVENT = """
event = {
    "resource": "/v1/catalog/items",
    "path": "/v1/catalog/items",
    "httpMethod": "GET",
    "headers": {"Host": "bench", "Accept": "application/json"},
    "multiValueHeaders": {"Host": ["bench"], "Accept": ["application/json"]},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {
        "resourcePath": "/v1/catalog/items",
        "httpMethod": "GET",
        "path": "/api/v1/catalog/items",
        "stage": "api",
        "requestId": "bench-request",
        "identity": {"sourceIp": "127.0.0.1"},
    },
    "body": None,
    "isBase64Encoded": False,
}
context = types.SimpleNamespace(
    aws_request_id="bench-invocation",
    function_name="tongban-430000-api-handler",
    function_version="$LATEST",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:tongban-430000-api-handler",
    log_group_name="bench",
    log_stream_name="bench",
    get_remaining_time_in_millis=lambda: 30000,
)
"""

# The gateway: its module, then its first request (a 200 with at least one item, or the run fails).
APP = (
    "import json, types\n"
    "from app import app\n" + _EVENT + "answer = app(event, context)\n"
    "assert answer['statusCode'] == 200, answer\n"
    "assert json.loads(answer['body'])['items'], answer\n"
)

# The trivial handler: the same event, one GetItem of the catalog snapshot (compressed JSON, as the
# gateway stores it), its first page returned.
TRIVIAL = (
    "import json, types, zlib\n"
    "import boto3\n"
    "from chalice import Chalice\n"
    "app = Chalice(app_name='trivial')\n"
    "@app.route('/v1/catalog/items')\n"
    "def items():\n"
    "    key = {'pk': {'S': 'CATALOG'}, 'sk': {'S': 'SNAPSHOT'}}\n"
    f"    item = boto3.client('dynamodb').get_item(TableName='tongban-{PROVINCE}-catalog', Key=key)['Item']\n"
    "    entries = json.loads(zlib.decompress(item['entries']['B']))\n"
    "    return {'items': list(entries.values())[:20]}\n" + _EVENT + "answer = app(event, context)\n"
    "assert answer['statusCode'] == 200, answer\n"
)


def environment(endpoint: str) -> dict[str, str]:
    """The environment of both runs: a local stage of 湖南 against the moto server at `endpoint`."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "cn-north-1",
        "TONGBAN_STAGE": "local",
        "TONGBAN_PROVINCE": PROVINCE,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("TONGBAN_ISSUERS", None)
    return env


@contextmanager
def seeded_moto() -> Iterator[str]:
    """A moto server on a free local port holding the province's stack and seeded catalog; yields
    its endpoint."""
    from infra.local.processes import free_port
    from infra.local.stack import start_moto

    logging.getLogger("moto").setLevel(logging.ERROR)  # the resources its CloudFormation skips
    port = free_port()
    server = start_moto(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _seed(environment(endpoint))
        yield endpoint
    finally:
        server.stop()


def _seed(env: dict[str, str]) -> None:
    """The province's stack and catalog, written through the gateway's own services (in a child
    process: the bench's own process keeps no root or client bound to this server)."""
    code = (
        "from infra.local.resources import create_province_stack\n"
        "from infra.local.seed import seed_catalog\n"
        f"create_province_stack('{PROVINCE}', 'tongban-{PROVINCE}', 'cn-north-1')\n"
        "seed_catalog()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)


def _wall(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def measure() -> dict[str, float]:
    """Median wall time of a fresh process answering its first request, gateway and trivial handler
    alternating, and their ratio."""
    with seeded_moto() as endpoint:
        env = environment(endpoint)
        _wall(APP, env)  # warm the file cache and check both runs answer
        _wall(TRIVIAL, env)
        app_times, trivial_times = [], []
        for _ in range(RUNS):
            app_times.append(_wall(APP, env))
            trivial_times.append(_wall(TRIVIAL, env))
    app_median, trivial_median = statistics.median(app_times), statistics.median(trivial_times)
    return {
        "app_ms": app_median * 1000,
        "trivial_ms": trivial_median * 1000,
        "ratio": app_median / trivial_median,
    }


def report(figures: dict[str, float]) -> list[str]:
    return [
        f"cold start: a fresh process, import and first request GET /v1/catalog/items (median of {RUNS})",
        f"  gateway                {figures['app_ms']:7.1f} ms",
        f"  trivial handler        {figures['trivial_ms']:7.1f} ms   (boto3 + Chalice, one GetItem)",
        f"  ratio                  {figures['ratio']:7.2f}",
    ]
