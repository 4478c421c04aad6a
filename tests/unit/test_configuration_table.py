"""Every environment variable the app reads is read by `load_settings` and listed in the README's
configuration table, and nothing else in the app reads the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from chalicelib.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 32

# Environments that between them take every branch of `load_settings` that reads a variable.
ENVIRONMENTS: tuple[dict[str, str], ...] = (
    {"TONGBAN_STAGE": "local"},
    {
        "TONGBAN_STAGE": "prod-430000",
        "TONGBAN_CURSOR_KEY": KEY,
        "TONGBAN_VIDEO_PROVIDER": "chime",
        "TONGBAN_SMS_PROVIDER": "sns",
    },
    {
        "TONGBAN_STAGE": "prod-430000",
        "TONGBAN_CURSOR_KEY": KEY,
        "TONGBAN_VIDEO_PROVIDER": "chime",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "TONGBAN_SMS_PROVIDER": "end_user_messaging",
        "TONGBAN_SMS_ORIGINATION_IDENTITY": "pool-1",
    },
)


class Recording(Mapping[str, str]):
    """An environment that notes every name asked of it (`get` and `in` go through `__getitem__`)."""

    def __init__(self, given: dict[str, str]) -> None:
        self.given = given
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.given[name]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("settings read named variables only")

    def __len__(self) -> int:
        return len(self.given)


def variables_read() -> set[str]:
    read: set[str] = set()
    for values in ENVIRONMENTS:
        env = Recording(values)
        load_settings(env)
        read |= env.asked
    return read


def variables_documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n### ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split(" | ")[0]))
    return names


def test_the_readme_lists_every_variable_the_settings_read_and_no_other() -> None:
    read, documented = variables_read(), variables_documented()
    assert read - documented == set(), "read by Settings but not in the README's configuration table"
    assert documented - read == set(), "in the README's configuration table but not read by Settings"


def test_no_module_but_the_settings_reads_the_environment() -> None:
    reads = re.compile(r"\bos\.environ\b|\bgetenv\(|\benviron\.get\(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
        if path.name != "config.py" and reads.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
