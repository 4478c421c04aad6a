"""Commands of 资料寄递 and of the handling province's originals (原件核验, 原件退还).

Frozen and typed like the act commands (ADR 0019), built by the request models (`to_command()`)
and read by `chalicelib.services.shipments`; the rules they feed are in
`chalicelib.domain.shipments`. Pure Python, free of pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ShipmentDirection = Literal["to_handler", "from_handler", "to_applicant"]
ShipmentStatus = Literal["in_transit", "delivered", "returned"]


@dataclass(frozen=True, slots=True)
class RecordShipment:
    """A shipment sent from here: originals to the handling province, or a result on its way."""

    direction: ShipmentDirection
    carrier: str
    tracking_number: str
    contents: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RecordShipmentEvent:
    """A shipment's status event recorded here (forward only); `delivered` to the handler is 签收."""

    status: ShipmentStatus
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CheckOriginalHere:
    """原件核验 at the handling province; `keep` is 原件留存 (the original is not returned)."""

    matches: bool
    note: str | None = None
    keep: bool = False


@dataclass(frozen=True, slots=True)
class ReturnOriginals:
    """原件退还: arrived originals (by slot) go back by mail to the intake window or the applicant."""

    to: Literal["window", "applicant"]
    carrier: str
    tracking_number: str
    slots: tuple[str, ...]
    note: str | None = None
