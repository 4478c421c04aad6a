"""Who is calling: the principal drawn from a verified token, and the roles of the gateway.

An applicant's principal carries the identity its issuer verified (实名认证): the natural person, or
the legal person with the employee acting for it. That identity is the only source of who the
applicant is; request bodies never override it. It is personal data: `repr` of a principal leaves it
out, so a principal in a log line or a traceback names no one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"  # 申请人
    WINDOW_CLERK = "window_clerk"  # 跨省通办专窗工作人员
    AUTHORITY_CLERK = "authority_clerk"  # 审批人员 / 首席事务代表
    OPERATOR = "operator"  # 运维 / 政务服务管理办公室
    PARTNER = "partner"  # 伙伴省份系统


class SubjectKind(StrEnum):
    """Who an applicant account belongs to (服务对象)."""

    NATURAL_PERSON = "natural_person"  # 自然人
    LEGAL_PERSON = "legal_person"  # 法人 (企业、个体工商户、其他组织)


class Assurance(StrEnum):
    """How firmly the issuer verified the person (实名认证等级), weakest first."""

    PHONE = "phone"  # 手机号实名
    ID_CHECK = "id_check"  # 身份证件核验
    FACE = "face"  # 人脸识别

    @property
    def rank(self) -> int:
        return list(Assurance).index(self)

    def at_least(self, other: Assurance) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True)
class VerifiedIdentity:
    """实名认证 as the issuer vouched for it. For a legal person, `id_number` and `name` are those of
    the employee acting for it (经办人), and `credit_code`/`entity_name` name the legal person."""

    kind: SubjectKind
    id_number: str
    name: str
    assurance: Assurance
    phone: str | None = None
    credit_code: str | None = None  # 统一社会信用代码 (GB 32100)
    entity_name: str | None = None

    def __repr__(self) -> str:
        return f"VerifiedIdentity(kind={self.kind.value}, assurance={self.assurance.value})"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `subject` is opaque: never an ID number (it may reach logs)."""

    subject: str
    role: Role
    issuer: str
    province: str | None = None  # clerks, operators: their province; partners: the partner's
    window: str | None = None  # window clerks: 专窗 id
    authority: str | None = None  # authority clerks: 审批机关 id
    identity: VerifiedIdentity | None = field(default=None, repr=False)  # applicants: 实名认证
