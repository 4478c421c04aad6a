"""The partner registry in the catalog table: one partition, a record per partner and its audit.

PARTNERS / P#<code>                 the partner as operators last set it
PARTNERS / AUDIT#<at>#<code>#<n>    who changed what, when (kept)
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from chalicelib.adapters.aws import client, partition_docs, transact

PK = {"S": "PARTNERS"}


class DynamoPartnerStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def get(self, code: str) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key={"pk": PK, "sk": {"S": f"P#{code}"}})
        record = item.get("Item")
        return None if record is None else dict(json.loads(record["doc"]["S"]))

    def all(self) -> list[dict[str, Any]]:
        return self._query("P#")

    def audit(self, code: str | None = None) -> list[dict[str, Any]]:
        entries = self._query("AUDIT#")
        return [e for e in entries if code is None or e["code"] == code]

    def _query(self, prefix: str) -> list[dict[str, Any]]:
        return partition_docs(self._table, "PARTNERS", prefix)

    def save(self, partner: dict[str, Any], audit: dict[str, Any]) -> None:
        """The partner and its audit entry, together."""
        # nanoseconds after the second keep changes made within one second in their order
        sort = f"AUDIT#{audit['at']}#{time.time_ns():020d}#{secrets.token_hex(2)}"
        transact(
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {"pk": PK, "sk": {"S": f"P#{partner['code']}"}, "doc": _doc(partner)},
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {"pk": PK, "sk": {"S": sort}, "doc": _doc(audit)},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )


def _doc(value: dict[str, Any]) -> dict[str, str]:
    return {"S": json.dumps(value, ensure_ascii=False)}
