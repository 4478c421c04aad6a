"""The partner registry (信任列表): the provinces this gateway exchanges with, their exchange
endpoint, their public keys (several `kid`s during a rotation) and whether they are trusted now."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.envelope import ExchangeRefusal


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # its messages are refused; nothing is sent to it


@dataclass(frozen=True)
class Partner:
    code: str  # GB/T 2260 province code
    name: str
    endpoint: str  # base URL of its gateway; messages go to <endpoint>/v1/exchange/messages
    jwks: dict[str, Any]
    status: PartnerStatus

    def as_document(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "endpoint": self.endpoint,
            "jwks": self.jwks,
            "status": self.status.value,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Partner:
        return cls(doc["code"], doc["name"], doc["endpoint"], doc["jwks"], PartnerStatus(doc["status"]))

    def trusted(self) -> Partner:
        """This partner if its messages may be taken; else a refusal."""
        if self.status is not PartnerStatus.ACTIVE:
            raise ExchangeRefusal("partner_suspended")
        return self
