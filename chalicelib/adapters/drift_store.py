"""What the catalog drift check remembers of each partner, in the catalog table:

    DRIFT / PARTNER#<code>   the last check (when, reachable or not) and the first-seen time of
                             each difference still seen

One small document per partner, written whole by each check (the view and the schedule). Two
checks at the same moment write the same first-seen times give or take their own seconds, so the
last write winning loses nothing an operator relies on.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client, partition_docs

DRIFT_PARTITION = "DRIFT"


class DynamoDriftStore:
    def __init__(self, table: str) -> None:
        self._table = table

    def partner_records(self) -> dict[str, dict[str, Any]]:
        """Partner code → its record, in one query."""
        return {str(doc["partner"]): doc for doc in partition_docs(self._table, DRIFT_PARTITION, "PARTNER#")}

    def put_partner_record(self, record: dict[str, Any]) -> None:
        client("dynamodb").put_item(
            TableName=self._table,
            Item={
                "pk": {"S": DRIFT_PARTITION},
                "sk": {"S": f"PARTNER#{record['partner']}"},
                "doc": {"S": json.dumps(record, ensure_ascii=False)},
            },
        )
