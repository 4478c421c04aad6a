"""Form data (申请表) checked against the item's JSON Schema, as field errors the app can show;
and the form's personal fields as the schema declares them.

A field is personal when its schema carries `"x-personal": "<kind>"` (a `PersonalKind`). Invariants,
checked when an item version is published (`declaration_errors`):
- declarations sit only on fields reached through `properties` and `items` from the root (nested
  objects and arrays included), the only places `mask_form` walks; one anywhere else (`oneOf`,
  `$defs`, `additionalProperties`…) would not be masked, so it is refused;
- a declaration marks a text field (`type: string`): objects and arrays are declared at their leaves.
A field path names a declared field: `mobile`, `household.spouse_name`, `children[].name`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.personal import PersonalKind, mask

PERSONAL_KEYWORD = "x-personal"
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", PERSONAL_KEYWORD})

MAX_FORM_ERRORS = 50


def form_errors(schema: dict[str, Any], form: dict[str, Any], *, partial: bool) -> list[dict[str, Any]]:
    """Field errors of `form`; `partial` (a draft) ignores missing required fields."""
    from jsonschema import Draft202012Validator

    if partial:
        schema = {k: v for k, v in schema.items() if k != "required"}
    validator = Draft202012Validator(schema)
    errors: list[dict[str, Any]] = []
    for error in sorted(validator.iter_errors(form), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [r for r in error.validator_value if r not in error.instance]
            errors.extend({"field": ".".join(["form", *path, m]), "code": "required"} for m in missing)
            continue
        errors.append({"field": ".".join(["form", *path]), "code": str(error.validator)})
    return errors[:MAX_FORM_ERRORS]


def check_form(schema: dict[str, Any], form: dict[str, Any], *, partial: bool) -> None:
    errors = form_errors(schema, form, partial=partial)
    if errors:
        raise InvalidInput("form_invalid", errors=errors)


def declaration_errors(schema: dict[str, Any]) -> list[str]:
    """What is wrong with the form schema's personal-data declarations (empty: well-formed)."""
    errors: list[str] = []
    kinds = ", ".join(k.value for k in PersonalKind)

    def walk(node: Any, path: str, reachable: bool) -> None:
        if isinstance(node, list):
            for entry in node:
                walk(entry, path, False)
            return
        if not isinstance(node, dict):
            return
        if PERSONAL_KEYWORD in node:
            where = path or "(root)"
            kind = node[PERSONAL_KEYWORD]
            if not reachable or not path:
                errors.append(f"{where}: {PERSONAL_KEYWORD} is allowed only on fields under properties/items")
            elif not isinstance(kind, str) or kind not in PersonalKind.__members__.values():
                errors.append(f"{where}: {PERSONAL_KEYWORD} must be one of {kinds}")
            elif not _is_text(node):
                errors.append(f"{where}: {PERSONAL_KEYWORD} marks a text field (type string)")
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    walk(sub, f"{path}.{name}" if path else name, reachable)
            elif key == "items" and isinstance(value, dict):
                walk(value, f"{path}[]", reachable)
            elif key not in _DATA_KEYWORDS:
                walk(value, f"{path}/{key}", False)

    walk(schema, "", True)
    return errors


def _is_text(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    if isinstance(kind, list):
        return "string" in kind and set(kind) <= {"string", "null"}
    return kind == "string"


def _kind(node: dict[str, Any]) -> PersonalKind | None:
    """The declared kind; a declaration not understood (never published) masks as `other`."""
    value = node.get(PERSONAL_KEYWORD)
    if value is None:
        return None
    try:
        return PersonalKind(value)
    except ValueError:
        return PersonalKind.OTHER


def personal_fields(schema: dict[str, Any]) -> dict[str, PersonalKind]:
    """Every declared personal field of the form, by path (`mobile`, `children[].name`)."""
    found: dict[str, PersonalKind] = {}

    def visit(node: dict[str, Any], path: str) -> None:
        kind = _kind(node) if path else None
        if kind is not None:
            found[path] = kind
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict):
                    visit(sub, f"{path}.{name}" if path else name)
        items = node.get("items")
        if isinstance(items, dict):
            visit(items, f"{path}[]")

    visit(schema, "")
    return found


def mask_form(schema: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """A copy of `form` with every declared personal field masked (nested objects and arrays too)."""

    def masked(node: dict[str, Any], value: Any, root: bool = False) -> Any:
        kind = None if root else _kind(node)
        if kind is not None:
            return mask(kind, value)
        if isinstance(value, dict):
            properties = node.get("properties")
            properties = properties if isinstance(properties, dict) else {}
            return {
                k: masked(properties[k], v) if isinstance(properties.get(k), dict) else v
                for k, v in value.items()
            }
        items = node.get("items")
        if isinstance(value, list) and isinstance(items, dict):
            return [masked(items, v) for v in value]
        return value

    result: dict[str, Any] = masked(schema, form, root=True)
    return result


def value_at(form: dict[str, Any], path: str) -> Any:
    """The clear value of a field path; a path through an array gives the list of its values."""

    def walk(value: Any, parts: list[str]) -> Any:
        if not parts:
            return value
        head, rest = parts[0], parts[1:]
        name, array = (head[:-2], True) if head.endswith("[]") else (head, False)
        inner = value.get(name) if isinstance(value, dict) else None
        if not array:
            return walk(inner, rest)
        return [walk(v, rest) for v in inner] if isinstance(inner, list) else None

    return walk(form, path.split("."))
