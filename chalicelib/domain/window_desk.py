"""A window's details as printed on its receipts (窗口名称、地址、电话), configured per window.

Invariant: a desk has a non-empty name; address and phone are optional strings (a receipt prints a
dash for what is not configured). Parsed at start-up from `TONGBAN_WINDOWS`; no other keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WindowDesk:
    """A window's details as printed on its receipts (configured per window: TONGBAN_WINDOWS)."""

    name: str
    address: str | None = None
    phone: str | None = None

    @classmethod
    def parse(cls, window: str, raw: Any) -> WindowDesk:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not raw["name"]:
            raise ValueError(f"window {window}: a non-empty name is needed")
        for key in ("address", "phone"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise ValueError(f"window {window}: {key} must be a string")
        unknown = sorted(set(raw) - {"name", "address", "phone"})
        if unknown:
            raise ValueError(f"window {window}: unknown keys {', '.join(unknown)}")
        return cls(name=raw["name"], address=raw.get("address"), phone=raw.get("phone"))
