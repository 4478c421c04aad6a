"""Cold start (ADR 0002): what a request does not need is not imported when the app module loads.

Checked in a fresh interpreter, as Lambda starts one: a module named here that `import app` loads
is paid for by every cold start, whichever route the first request takes. `make bench` times the
whole start (import and first request) against a trivial handler; this test keeps its causes out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

# Loaded on first use only: the request and response models (pydantic), token verification (PyJWT),
# form and payload schemas (jsonschema), tracing (the X-Ray SDK), and the case commands (built by
# the routes that act on a case, from their request models).
ON_FIRST_USE = (
    "pydantic",
    "jwt",
    "jsonschema",
    "aws_xray_sdk",
    "chalicelib.domain.commands",
    "chalicelib.api.case_schemas",
)


def test_importing_the_app_loads_nothing_a_request_loads_on_use() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "AWS_ENDPOINT"))}
    env.update(TONGBAN_STAGE="local", TONGBAN_PROVINCE="430000", AWS_DEFAULT_REGION="cn-north-1")
    probe = (
        f"import json, sys, app\nprint(json.dumps([m for m in {list(ON_FIRST_USE)!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
