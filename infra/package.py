"""Build a province's deployable package: `python -m infra.package 430000` (or `make package PROVINCE=…`).

1. Brings the province's stage in `.chalice/config.json` up to date with `infra/provinces/<code>.json`.
2. Writes the merge template (`infra.merge.build`: the data resources of `infra/template.yaml`,
   event-source and queue fixes, log groups, alarms) next to the output.
3. Runs `chalice package --stage prod-<code> --pkg-format cloudformation --template-format yaml
   --merge-template <out>/merge-template.json <out>/`, giving `<out>/sam.yaml` and
   `<out>/deployment.zip`. Chalice reuses its dependency build (`.chalice/deployments/`) across
   provinces, so packaging all of them costs one build.
4. Strips from the zip what the Lambda Python runtime provides (boto3, botocore and their
   dependencies, pulled in by aws-xray-sdk) and byte-code, and prints the zipped/unzipped sizes.

`python -m infra.package --all --out DIR` packages every province into `DIR/<code>/`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import provinces
from infra.merge import AppFunction, build

ROOT = Path(__file__).resolve().parents[1]
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
# Provided by the Lambda Python runtime (boto3 and its dependency closure): never bundled (ADR 0002).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six")
RUNTIME_DIST_INFO = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python_dateutil", "six")
NEVER_BUNDLED = ("tests", "bench", "infra", "docs", "openapi")
ZIP_BUDGET_BYTES = 15 * 1024 * 1024


@dataclass(frozen=True)
class Package:
    code: str
    out: Path
    zipped: int
    unzipped: int

    @property
    def template(self) -> Path:
        return self.out / "sam.yaml"

    @property
    def archive(self) -> Path:
        return self.out / "deployment.zip"

    def summary(self) -> str:
        return (
            f"{self.code}: {self.template}"
            f" — deployment.zip {self.zipped / 1e6:.1f} MB zipped, {self.unzipped / 1e6:.1f} MB unzipped"
        )


def app_functions() -> list[AppFunction]:
    """The Lambda functions `chalice package` makes of app.py, with the queue each SQS handler reads."""
    from chalice.app import SQSEventConfig

    # app.py refuses to load without a stage; the function list is the same in every stage, and
    # only the local stage loads without a deployed province's settings
    os.environ.setdefault("TONGBAN_STAGE", "local")
    import app as application
    from chalicelib import container

    prefix = f"{container.settings().resource_prefix}-"
    chalice_app = application.app
    functions = [AppFunction("api_handler")] if chalice_app.routes else []
    for source in chalice_app.event_sources:
        suffix = str(source.queue).removeprefix(prefix) if isinstance(source, SQSEventConfig) else None
        functions.append(AppFunction(source.name, suffix))
    functions += [AppFunction(f.name) for f in chalice_app.pure_lambda_functions]
    return functions


def chalice_config(codes: list[str], functions: list[AppFunction]) -> dict[str, Any]:
    """`.chalice/config.json` with one stage per province (other stages, e.g. `local`, as they are)."""
    config: dict[str, Any] = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    names = [f.name for f in functions]
    for code in codes:
        province = provinces.load(code)
        config["stages"][province.stage] = provinces.chalice_stage(province, names)
    return config


def sync_chalice_config(functions: list[AppFunction]) -> bool:
    """Write the province stages into `.chalice/config.json`; True if it changed."""
    wanted = chalice_config(provinces.all_codes(), functions)
    text = json.dumps(wanted, ensure_ascii=False, indent=2) + "\n"
    if CHALICE_CONFIG.read_text(encoding="utf-8") == text:
        return False
    CHALICE_CONFIG.write_text(text, encoding="utf-8")
    return True


def _runtime_provided(name: str) -> bool:
    top = name.split("/", 1)[0]
    if top.removesuffix(".py") in RUNTIME_PROVIDED:
        return True
    if top.endswith(".dist-info"):
        return top.split("-", 1)[0].lower() in RUNTIME_DIST_INFO
    return "__pycache__/" in name or name.endswith(".pyc")


def slim(archive: Path) -> tuple[int, int]:
    """Drop runtime-provided packages and byte-code from the zip; return (zipped, unzipped) bytes."""
    with tempfile.NamedTemporaryFile(dir=archive.parent, suffix=".zip", delete=False) as handle:
        slimmed = Path(handle.name)
    unzipped = 0
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(slimmed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if _runtime_provided(info.filename):
                continue
            if info.filename.split("/", 1)[0] in NEVER_BUNDLED:
                raise RuntimeError(f"{info.filename}: chalice bundled a development directory")
            target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            unzipped += info.file_size
    slimmed.chmod(0o644)
    slimmed.replace(archive)
    return archive.stat().st_size, unzipped


def package(
    code: str, out: Path, functions: list[AppFunction] | None = None, *, sync_config: bool = True
) -> Package:
    """Package one province into `out` (emptied first). With `sync_config` false (the tests), the
    stage in `.chalice/config.json` is used as it is."""
    province = provinces.load(code)
    functions = functions if functions is not None else app_functions()
    if sync_config:
        sync_chalice_config(functions)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    merge = out / "merge-template.json"
    merge.write_text(json.dumps(build(province, functions), ensure_ascii=False, indent=1), encoding="utf-8")
    env = {**os.environ, "AWS_DEFAULT_REGION": province.region}
    env.pop("AWS_PROFILE", None)
    subprocess.run(  # noqa: S603 — fixed argv, our own virtualenv's chalice
        [
            str(Path(sys.executable).parent / "chalice"),
            "--project-dir",
            str(ROOT),
            "package",
            "--stage",
            province.stage,
            "--pkg-format",
            "cloudformation",
            "--template-format",
            "yaml",
            "--merge-template",
            str(merge),
            str(out),
        ],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    zipped, unzipped = slim(out / "deployment.zip")
    if zipped > ZIP_BUDGET_BYTES:
        raise RuntimeError(f"{code}: deployment.zip is {zipped / 1e6:.1f} MB, over the 15 MB budget")
    return Package(code, out, zipped, unzipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__.splitlines()[0])
    parser.add_argument("province", nargs="?", help="GB/T 2260 code, e.g. 430000")
    parser.add_argument("--all", action="store_true", help="package every province in infra/provinces/")
    parser.add_argument("--out", type=Path, default=ROOT / "out", help="output root (default out/)")
    args = parser.parse_args(argv)
    if bool(args.province) == args.all:
        parser.error("give one province code, or --all")
    codes = provinces.all_codes() if args.all else [args.province]
    if args.province and args.province not in provinces.all_codes():
        parser.error(f"no infra/provinces/{args.province}.json")
    functions = app_functions()
    for code in codes:
        print(package(code, args.out.resolve() / code, functions).summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
