"""A local stand-in for the e-licence system, in the province's catalog table (keys pk/sk).

    LICENCE#<holder_key> / <licence_type>#<reference>   a holder's licences, by type
    LICENCEREF#<reference> / LICENCE                    the same licence, by reference

Both records are written together in one transaction and carry the licence as a JSON string
(`doc`). Neither the key nor the document holds the holder's ID number or full name.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from chalicelib.adapters.aws import client, partition_docs, transact
from chalicelib.domain.clock import Clock, beijing_date, system_clock
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.personal import entity_holder_key, holder_key, mask_name, validate_name
from chalicelib.domain.regions import is_province
from chalicelib.services.licences import Licence, TrustLevel, validate_licence_type

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_TABLE_PROVINCE = re.compile(r"-([1-6][0-9]0000)-")


def holder_pk(key: str) -> str:
    return f"LICENCE#{key}"


def reference_pk(reference: str) -> str:
    return f"LICENCEREF#{reference}"


def _text(value: str, field: str, limit: int = 200) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= limit:
        raise InvalidInput("validation_failed", errors=[{"field": field, "code": "required"}])
    return text


class LocalLicenceProvider:
    """LicenceProvider over DynamoDB.

    `province` (of the references `issue` makes) defaults to the code in the table name
    (`tongban-430000-catalog`); without either, the provider reads and stores but cannot issue.
    """

    def __init__(self, table: str, *, province: str | None = None, clock: Clock = system_clock) -> None:
        if province is None:
            match = _TABLE_PROVINCE.search(table)
            province = match.group(1) if match else None
        if province is not None and not is_province(province):
            raise ValueError("not a province code")
        self._table = table
        self._province = province
        self._clock = clock

    def find(self, holder_id_number: str, licence_type: str) -> list[Licence]:
        """The holder's licences of `licence_type` (all types if empty), by type then reference."""
        prefix = f"{validate_licence_type(licence_type)}#" if licence_type.strip() else None
        docs = partition_docs(self._table, holder_pk(holder_key(holder_id_number)), prefix)
        return [Licence.from_document(doc) for doc in docs]

    def get(self, reference: str) -> Licence | None:
        if not isinstance(reference, str) or not 1 <= len(reference) <= 200:
            return None
        item = (
            client("dynamodb")
            .get_item(
                TableName=self._table, Key={"pk": {"S": reference_pk(reference)}, "sk": {"S": "LICENCE"}}
            )
            .get("Item")
        )
        return None if item is None else Licence.from_document(json.loads(item["doc"]["S"]))

    def issue(
        self,
        holder_id_number: str,
        holder_name: str,
        licence_type: str,
        title: str,
        issuer: str,
        case_number: str,
        entity_credit_code: str | None = None,
    ) -> Licence:
        """Issue a case result as an e-licence: trust level A, issued today, no expiry."""
        if self._province is None:
            raise RuntimeError("no province to issue licence references for")
        # A legal person's result is the legal person's licence, named after it (not its employee).
        key = entity_holder_key(entity_credit_code) if entity_credit_code else holder_key(holder_id_number)
        name = (
            _text(holder_name, "holder_name")
            if entity_credit_code
            else validate_name(holder_name, "holder_name")
        )
        today = beijing_date(self._clock())
        # The suffix derives from the case and the type, so a retry finds the licence it issued.
        seed = hashlib.sha256(f"{case_number}|{licence_type}".encode()).digest()
        suffix = "".join(REFERENCE_ALPHABET[b % len(REFERENCE_ALPHABET)] for b in seed[:8])
        licence = Licence(
            reference=f"EL-{self._province}-{today:%Y%m%d}-{suffix}",
            licence_type=validate_licence_type(licence_type),
            title=_text(title, "title"),
            holder_key=key,
            holder_name_masked=mask_name(name),
            issuer=_text(issuer, "issuer"),
            issued_on=today,
            valid_until=None,
            trust_level=TrustLevel.A,
        )
        try:
            self.put(licence, case_number=_text(case_number, "case_number"))
        except Conflict:
            issued = self.get(licence.reference)
            if issued is None or issued.holder_key != key:
                raise
            return issued
        return licence

    def put(self, licence: Licence, *, case_number: str | None = None, overwrite: bool = False) -> None:
        """Write both records of a licence in one transaction.

        Without `overwrite`, refuses (Conflict) a reference that exists already.
        """
        doc = json.dumps(licence.as_document(), ensure_ascii=False)
        extra: dict[str, Any] = {} if case_number is None else {"case_number": {"S": case_number}}
        condition: dict[str, Any] = {} if overwrite else {"ConditionExpression": "attribute_not_exists(pk)"}
        records = (
            (holder_pk(licence.holder_key), f"{licence.licence_type}#{licence.reference}"),
            (reference_pk(licence.reference), "LICENCE"),
        )
        actions = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {"pk": {"S": pk}, "sk": {"S": sk}, "doc": {"S": doc}, **extra},
                    **condition,
                }
            }
            for pk, sk in records
        ]
        transact(actions, conflict="licence_exists")
