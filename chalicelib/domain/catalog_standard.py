"""An item's standard (事项标准) apart from each province's implementation, and its digest.

四级四同 / 五级十二同: the standard elements of an item version — name, code, conditions, materials,
form, limits, fees, result, process, joint parts — must be identical in every province. Only the
implementation (实施清单: handling authority, local code, contacts, addresses) is a province's own.

Invariants:
- `standard_of(item)` is every field of the definition except `IMPLEMENTATION_FIELDS`.
- `standard_digest(item)` is the SHA-256 of the standard's RFC 8785 canonical JSON, so any language
  computes it from the same JSON, and two provinces hold the same standard exactly when their
  digests are equal; implementations never change it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.envelope import canonical_json

IMPLEMENTATION_FIELDS = frozenset({"implementations"})
DIGEST_PREFIX = "sha256:"


def standard_of(item: ItemDefinition) -> dict[str, Any]:
    """The standard elements of one item version, as JSON (what every province must hold alike)."""
    return item.model_dump(mode="json", exclude=set(IMPLEMENTATION_FIELDS))


def standard_digest(item: ItemDefinition) -> str:
    """`sha256:<hex>` of the standard's canonical JSON: equal digests mean identical standards."""
    return DIGEST_PREFIX + hashlib.sha256(canonical_json(standard_of(item))).hexdigest()


def stored_standard_digest(definition: dict[str, Any]) -> str:
    """`standard_digest` of a definition as stored (`model_dump(mode="json")` of an ItemDefinition),
    without validating it again: the same bytes, so the same digest."""
    standard = {k: v for k, v in definition.items() if k not in IMPLEMENTATION_FIELDS}
    return DIGEST_PREFIX + hashlib.sha256(canonical_json(standard)).hexdigest()
