"""Bodies of the catalog digest read (exchange) and the operators' catalog drift view."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.api.bodies import RequestBody as _In
from chalicelib.api.bodies import ResponseBody as _Out
from chalicelib.domain.identifiers import JWS_PATTERN, STANDARD_DIGEST_PATTERN

VersionStatus = Literal["active", "cancelled", "delegated", "superseded"]
Digest = Annotated[str, Field(pattern=STANDARD_DIGEST_PATTERN)]


class DigestsIn(_In):
    """A signed request (compact JWS, typ tongban-digests+jws) for this gateway's catalog digests."""

    request: Annotated[str, Field(min_length=10, max_length=4096, pattern=JWS_PATTERN)]


class VersionDigestOut(_Out):
    code: str
    version: int = Field(ge=1)
    status: VersionStatus = Field(
        description="the item's status for the version in force; `superseded` for an earlier version"
    )
    digest: Digest = Field(
        description="SHA-256 of the version's standard (事项标准), RFC 8785 canonical JSON"
    )


class DigestsOut(_Out):
    province: str
    generated_at: str
    items: list[VersionDigestOut]


class SideOut(_Out):
    status: VersionStatus
    digest: Digest


class DifferenceOut(_Out):
    code: str
    version: int
    ours: SideOut | None = Field(description="this gateway's entry; null when only the partner holds it")
    theirs: SideOut | None = Field(description="the partner's entry; null when the partner lacks it")
    differs: list[Literal["digest", "status"]]
    since: str = Field(description="when a check first saw this difference (RFC 3339, +08:00)")
    overdue: bool = Field(description="it has lasted longer than the alarm threshold")


class PartnerDriftOut(_Out):
    province: str
    name: str
    state: Literal["in_sync", "drift", "unreachable", "suspended"]
    checked_at: str | None
    reached_at: str | None = Field(description="the last time the partner answered with its digests")
    unreachable: str | None = Field(
        description="why it could not be compared: `no_answer`, `http_<status>`, `refused:<code>`, "
        "`answer_invalid`; null unless unreachable"
    )
    missing: list[DifferenceOut] = Field(description="versions this gateway holds and the partner lacks")
    extra: list[DifferenceOut] = Field(description="versions only the partner holds")
    different: list[DifferenceOut] = Field(description="versions both hold with another digest or status")


class DriftAlarmOut(_Out):
    state: Literal["ok", "alarm"]
    overdue: int = Field(description="differences older than the threshold, over every reachable partner")


class DriftView(_Out):
    """This gateway's catalog against each partner's (目录一致性核对)."""

    province: str
    checked_at: str
    threshold_minutes: int
    alarm: DriftAlarmOut
    items: int = Field(description="item versions this gateway holds")
    partners: list[PartnerDriftOut]
