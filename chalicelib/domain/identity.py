"""Who is calling: the principal drawn from a verified token, and the roles of the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"  # 申请人
    WINDOW_CLERK = "window_clerk"  # 跨省通办专窗工作人员
    AUTHORITY_CLERK = "authority_clerk"  # 审批人员 / 首席事务代表
    OPERATOR = "operator"  # 运维 / 政务服务管理办公室
    PARTNER = "partner"  # 伙伴省份系统


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `subject` is opaque: never an ID number (it may reach logs)."""

    subject: str
    role: Role
    issuer: str
    province: str | None = None  # clerks, operators: their province; partners: the partner's
    window: str | None = None  # window clerks: 专窗 id
    authority: str | None = None  # authority clerks: 审批机关 id

    def is_staff_of(self, province: str) -> bool:
        return self.role is not Role.APPLICANT and self.province == province
