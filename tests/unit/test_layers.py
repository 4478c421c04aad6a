"""The layers, checked statically over the source (README "Engineering standards"):

- the domain is pure Python: no boto3, botocore or Chalice, and nothing of the outer layers;
- services reach AWS only through adapters they are given: no boto3 or botocore of their own;
- the API layer is thin: no route imports an adapter or reaches a store (`.store`, `…_store`,
  `…_repository`, `case_reads`, the case book's `.book`), nor asks the composition root for
  anything it builds as an adapter: it goes through a service (reads: services/case_queries.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
STORE_NAMES = ("store", "case_reads", "book")
STORE_SUFFIXES = ("_store", "_repository")


def _modules(layer: str) -> list[Path]:
    return sorted((CHALICELIB / layer).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _store_reaches(path: Path) -> list[str]:
    """Attribute accesses that reach a store: `x.store`, `container.case_store()`, …"""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and (
            node.attr in STORE_NAMES or node.attr.endswith(STORE_SUFFIXES)
        ):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


CONTAINER = CHALICELIB / "container.py"
# container accessor → why a route may call it although it hands back an adapter
ADAPTERS_ALLOWED = {
    "dev_sms_outbox": "the local SMS stand-in's own development read (GET /v1/ops/dev/sms, local "
    "stage only): the stand-in is what it shows, there is no use case between",
}


def _adapter_accessors(container: Path) -> set[str]:
    """The composition root's functions whose return type is an adapter's class."""
    tree = ast.parse(container.read_text(encoding="utf-8"))
    adapters = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib.adapters")
        for alias in node.names
    }
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.returns is not None
        and {n.id for n in ast.walk(node.returns) if isinstance(n, ast.Name)} & adapters
    }


def _container_calls(path: Path) -> set[str]:
    """The composition root's functions a module calls: `container.x()`."""
    return {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "container"
    }


def _outside(imports: set[str], modules: tuple[str, ...]) -> list[str]:
    """The imports of `modules` or anything inside them (`chalice` is not `chalicelib`)."""
    return sorted(name for name in imports if any(name == m or name.startswith(f"{m}.") for m in modules))


@pytest.mark.parametrize("path", _modules("api"), ids=lambda p: p.name)
def test_no_route_imports_an_adapter_or_reaches_a_store(path: Path) -> None:
    assert _outside(_imports(path), ("chalicelib.adapters", "boto3", "botocore")) == []
    assert _store_reaches(path) == []


@pytest.mark.parametrize("path", _modules("api"), ids=lambda p: p.name)
def test_no_route_asks_the_composition_root_for_an_adapter(path: Path) -> None:
    adapters = _adapter_accessors(CONTAINER)
    assert {"case_repository", "case_reads", "message_store", "quotas", "dev_sms_outbox"} <= adapters
    assert sorted((_container_calls(path) & adapters) - set(ADAPTERS_ALLOWED)) == []


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_the_domain_is_pure(path: Path) -> None:
    outer = ("boto3", "botocore", "chalice", "chalicelib.adapters", "chalicelib.services", "chalicelib.api")
    assert _outside(_imports(path), outer) == []


@pytest.mark.parametrize("path", _modules("services"), ids=lambda p: p.name)
def test_services_talk_to_aws_only_through_adapters(path: Path) -> None:
    assert _outside(_imports(path), ("boto3", "botocore", "chalice", "chalicelib.api")) == []


def test_the_scan_sees_what_it_forbids(tmp_path: Path) -> None:
    """The checks above can fail: a route that reaches into the case store is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def inbox(call):\n"
        "    from chalicelib.adapters.case_store import DynamoCaseQueries\n"
        "    return container.cases().book.store.inbox(call)\n",
        encoding="utf-8",
    )
    assert _outside(_imports(bad), ("chalicelib.adapters",)) == [
        "chalicelib.adapters.case_store",
        "chalicelib.adapters.case_store.DynamoCaseQueries",
    ]
    assert _store_reaches(bad) == ["bad.py:3 .store", "bad.py:3 .book"]
    worse = tmp_path / "worse.py"
    worse.write_text(
        "def lines(call):\n    return container.message_store().outbound(call.case, call.id)\n",
        encoding="utf-8",
    )
    assert _container_calls(worse) & _adapter_accessors(CONTAINER) == {"message_store"}
