"""Form data (申请表) checked against the item's JSON Schema, as field errors the app can show."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import InvalidInput

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
