"""Rules of the standards checked when a version is published (事项标准发布校验), and the
compression ratio (压缩比) shown with every item.

The rules of `ItemDefinition` itself (承诺时限 ≤ 法定时限, an immediate item promises 0 days, …) hold
for every definition, stored or new. The rules here are checked at publish only, so a version
published before a rule existed stays readable for the cases opened under it:

- 即办件: an item whose promised limit is 0 working days is marked `immediate` (and an immediate
  item promises 0, the model's rule), so the 即办件 list shows every item settled on the spot.
- 多地联办: every part's province rule can be resolved from an application: a rule that reads a
  form field (`from_province`, `to_province`) needs that field in the item's form schema, required,
  and constrained to a GB/T 2260 province code (the province-code pattern, or an enum of codes).

- 实施清单: every implementation names the code of the authority that handles the item there
  (`authority_code`, as in its clerks' tokens): a case's handling authority is read from it, never
  guessed. A publish (or an own implementation) without it is refused as `authority_code_missing`.

Each violation names the field of the definition it concerns, for a 422 the operator can act on.

压缩比 (compression ratio): the share of the statutory limit (法定时限) the promised limit
(承诺时限) saves, `(statutory - promised) / statutory`, from 0 (nothing saved) to 1 (settled on
the spot); none when the statutory limit is itself 0 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.catalog import Implementation, ItemDefinition
from chalicelib.domain.catalog_terms import PartRule
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identifiers import PROVINCE_CODE_PATTERN
from chalicelib.domain.regions import is_province

# Rules that read the province from a form field of the application (the field has the rule's name).
FORM_FIELD_RULES = frozenset({PartRule.FROM_PROVINCE, PartRule.TO_PROVINCE})
RATIO_DIGITS = 4


@dataclass(frozen=True)
class RuleViolation:
    field: str  # where in the definition, e.g. `joint_parts[1].province_rule`
    code: str  # stable, e.g. `immediate_flag_missing`
    message: str

    def as_error(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def compression_ratio(statutory_days: int, promised_days: int) -> float | None:
    """压缩比: the share of the statutory limit saved, to 4 places; None for a 0-day statutory limit."""
    if statutory_days <= 0:
        return None
    return round((statutory_days - promised_days) / statutory_days, RATIO_DIGITS)


def authority_violations(implementations: dict[str, Implementation]) -> list[RuleViolation]:
    """Implementations that do not name their handling authority (`authority_code`)."""
    return [
        RuleViolation(
            f"implementations.{province}.authority_code",
            "authority_code_missing",
            f"the implementation at {province} must name the code of its handling authority",
        )
        for province, implementation in sorted(implementations.items())
        if not implementation.authority_code
    ]


def check_authorities(implementations: dict[str, Implementation]) -> None:
    """Refuse implementations without a handling authority: 422 `authority_code_missing`."""
    missing = authority_violations(implementations)
    if missing:
        raise InvalidInput("authority_code_missing", errors=[v.as_error() for v in missing])


def publish_violations(item: ItemDefinition) -> list[RuleViolation]:
    """What keeps this definition from being published; empty when it may be."""
    found: list[RuleViolation] = []
    if item.promised_limit_days == 0 and not item.immediate:
        found.append(
            RuleViolation(
                "immediate",
                "immediate_flag_missing",
                "an item promised in 0 working days is an immediate item (即办件): set immediate true",
            )
        )
    properties = item.form_schema.get("properties", {})
    required = set(item.form_schema.get("required", []))
    for index, part in enumerate(item.joint_parts):
        rule = part.province_rule
        if rule not in FORM_FIELD_RULES:
            continue
        where = f"joint_parts[{index}].province_rule"
        name = rule.value
        schema = properties.get(name) if isinstance(properties, dict) else None
        if not isinstance(schema, dict):
            found.append(
                RuleViolation(
                    where, "part_rule_field_missing", f"part {part.key}: the form has no field {name}"
                )
            )
        elif name not in required:
            found.append(
                RuleViolation(
                    where, "part_rule_field_optional", f"part {part.key}: form field {name} must be required"
                )
            )
        elif not _is_province_code_field(schema):
            found.append(
                RuleViolation(
                    where,
                    "part_rule_field_not_province",
                    f"part {part.key}: form field {name} must be a province code "
                    f"(type string with pattern {PROVINCE_CODE_PATTERN}, or an enum of province codes)",
                )
            )
    return found


def _is_province_code_field(schema: dict[str, Any]) -> bool:
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return all(isinstance(v, str) and is_province(v) for v in enum)
    return schema.get("type") == "string" and schema.get("pattern") == PROVINCE_CODE_PATTERN
