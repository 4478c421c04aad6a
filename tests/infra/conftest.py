"""The packaged templates of every province, built once per session (chalice reuses one dependency
build for all of them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra import provinces
from infra.merge import AppFunction
from infra.package import Package, app_functions, package


@pytest.fixture(scope="session")
def functions() -> list[AppFunction]:
    return app_functions()


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory, functions: list[AppFunction]) -> dict[str, Package]:
    # One after another: packages share Chalice's dependency zip, and two at once read it while it is
    # being rewritten (a corrupt wheel entry, seen as a bad CRC).
    root = tmp_path_factory.mktemp("packages")
    return {code: package(code, root / code, functions, sync_config=False) for code in provinces.all_codes()}


def load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def templates(packages: dict[str, Package]) -> dict[str, dict[str, Any]]:
    return {code: load_yaml(p.template) for code, p in packages.items()}
