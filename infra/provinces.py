"""Per-province stage configuration (one stack per province), read from infra/provinces/*.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROVINCES_DIR = Path(__file__).resolve().parent / "provinces"


@dataclass(frozen=True)
class ProvinceStage:
    code: str
    name: str
    region: str
    resource_prefix: str
    local_port: int
    schedule_timezone: str
    issuers: tuple[dict[str, Any], ...]


def load(code: str) -> ProvinceStage:
    data = json.loads((PROVINCES_DIR / f"{code}.json").read_text(encoding="utf-8"))
    return ProvinceStage(
        code=data["code"],
        name=data["name"],
        region=data["region"],
        resource_prefix=data["resource_prefix"],
        local_port=int(data["local_port"]),
        schedule_timezone=data["schedule_timezone"],
        issuers=tuple(data.get("issuers", [])),
    )


def all_codes() -> list[str]:
    return sorted(p.stem for p in PROVINCES_DIR.glob("*.json"))
