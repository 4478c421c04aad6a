"""Used binding codes in the cases table (docs/storage.md):

BINDING#<code id> / USED    a binding code that linked an account; `expires_at` (TTL) a day after
                            the code itself expired, when the code is refused as expired anyway

The record is a side record of the case transaction that links the account, put only if absent:
of two windows racing with one code, one commits and the other's transaction fails.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client

KEEP_AFTER_EXPIRY_SECONDS = 86400


def _key(code_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"BINDING#{code_id}"}, "sk": {"S": "USED"}}


class DynamoBindingStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def used(self, code_id: str) -> bool:
        item = client("dynamodb").get_item(TableName=self._table, Key=_key(code_id)).get("Item")
        return item is not None

    def use_item(self, code_id: str, expires_at: int, record: dict[str, Any]) -> dict[str, Any]:
        """The side record for `commit(extra=…)` that marks the code used (once)."""
        return {
            "Item": {
                **_key(code_id),
                "doc": {"S": json.dumps(record, ensure_ascii=False)},
                "expires_at": {"N": str(expires_at + KEEP_AFTER_EXPIRY_SECONDS)},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
