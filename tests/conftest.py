"""Shared fixtures: one in-process moto with the province stack created from infra/template.yaml,
a development issuer trusted by the app, and a Chalice test client."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.devtokens import DevIssuer

ROOT = Path(__file__).resolve().parents[1]
PROVINCE = "430000"
PREFIX = f"tongban-{PROVINCE}"
ISSUER = DevIssuer.generate(PROVINCE)
OTHER_ISSUER = DevIssuer.generate("450000")  # trusted by nobody here
PUBLIC_BASE_URL = "https://zwfw.430000.gov.cn.example"
WINDOWS = {  # W-430000-02 is left unconfigured: its receipts carry the province's default
    "W-430000-01": {
        "name": "长沙市政务服务中心跨省通办专窗",
        "address": "湖南省长沙市岳麓区金星中路 1 号政务服务中心一楼 12 号窗口",
        "phone": "0731-88888888",
    }
}

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="cn-north-1",
    TONGBAN_STAGE="local",
    TONGBAN_PROVINCE=PROVINCE,
    TONGBAN_RESOURCE_PREFIX=PREFIX,
    TONGBAN_ISSUERS=json.dumps([ISSUER.issuer_config()]),
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="WARNING",
    TONGBAN_PUBLIC_BASE_URL=PUBLIC_BASE_URL,
    TONGBAN_WINDOWS=json.dumps(WINDOWS, ensure_ascii=False),
)
os.environ.pop("AWS_ENDPOINT_URL", None)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `pytest -n` (`make pytest`), what shares a costly session fixture runs on one worker:
    every end-to-end test (one local stack on fixed ports), every infra test (each province packaged
    once), and each other module whole (its module fixtures built once)."""
    from xdist.scheduler import LoadScopeScheduling

    class ByCostlyFixture(LoadScopeScheduling):  # type: ignore[misc]  # xdist ships no types
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            folder = module.split("/")[1] if module.count("/") >= 2 else ""
            return folder if folder in {"e2e", "infra"} else module

    return ByCostlyFixture(config, log)


def seed_items() -> list[dict[str, Any]]:
    data = json.loads((ROOT / "infra/seed/catalog.json").read_text(encoding="utf-8"))
    return list(data["items"])


def deployment_data_stack() -> str:
    """The data resources the deployed stack of the province has (the merge template built from
    infra/template.yaml for `chalice package`), so integration tests run against what deploys."""
    from infra import provinces
    from infra.merge import data_stack
    from infra.package import app_functions

    return json.dumps(data_stack(provinces.load(PROVINCE), app_functions()))


@pytest.fixture(scope="session")
def aws() -> Iterator[None]:
    """moto for the whole session, with the stack built by CloudFormation from the template."""
    from moto import mock_aws

    from infra.local.resources import create_province_stack

    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto notes each type it does not model (alarms, metric filters)
        create_province_stack(PROVINCE, PREFIX, region="cn-north-1", template_body=deployment_data_stack())
        yield


@pytest.fixture
def clean_aws(aws: None) -> None:
    """Empty tables before each test, and install a fresh composition root (new AWS clients, no
    services built yet). A test that needs a fake collaborator (a fixed clock, a partner transport)
    installs its own: `container.install(container.bootstrap(clock=…))`."""
    import boto3

    from chalicelib import container

    ddb = boto3.client("dynamodb")
    for table in (f"{PREFIX}-catalog", f"{PREFIX}-idempotency", f"{PREFIX}-cases"):
        keys = [k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                ddb.delete_item(TableName=table, Key={k: item[k] for k in keys})
    container.install(container.bootstrap())


@pytest.fixture
def client(clean_aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def seeded(clean_aws: None) -> list[dict[str, Any]]:
    from infra.local.seed import seed_catalog

    items = seed_items()
    seed_catalog(items)
    return items


def bearer(role: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {ISSUER.token(role, **claims)}"}


def install_root(**fakes: Any) -> Any:
    """Install a composition root built with `fakes` (`clock`, `partner_transport`, `video_provider`,
    `sms`, `licences`) and, for every collaborator not named, the current root's: fixtures each add
    theirs. Services are built again, from the new root, on first use."""
    from chalicelib import container

    root = container.current()
    kept = {
        "clock": root.clock,
        "partner_transport": root.partner_transport,
        "video_provider": root.video_provider,
        "sms": root.sms,
        "licences": root.licences,
    }
    return container.install(container.bootstrap(root.settings, **{**kept, **fakes}))
