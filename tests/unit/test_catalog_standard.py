"""The standard digest: the same standard gives the same digest; any standard change moves it."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.domain.catalog import Implementation, ItemDefinition
from chalicelib.domain.catalog_standard import standard_digest, standard_of

SEED = Path(__file__).resolve().parents[2] / "infra" / "seed" / "catalog.json"


def _item() -> ItemDefinition:
    raw = json.loads(SEED.read_text(encoding="utf-8"))["items"][0]
    return ItemDefinition.model_validate(raw)


def test_standard_leaves_out_the_implementations() -> None:
    standard = standard_of(_item())
    assert "implementations" not in standard
    assert standard["code"] == _item().code


def test_implementations_do_not_move_the_digest() -> None:
    item = _item()
    other = item.model_copy(
        update={
            "implementations": {
                "110000": Implementation(authority="另一机关", local_code="X-1", contact_phone="010-1")
            }
        }
    )
    assert standard_digest(other) == standard_digest(item)


def test_a_changed_standard_element_moves_the_digest() -> None:
    item = _item()
    changed = item.model_copy(update={"promised_limit_days": item.promised_limit_days - 1})
    assert standard_digest(changed) != standard_digest(item)
    assert standard_digest(item).startswith("sha256:") and len(standard_digest(item)) == 7 + 64
