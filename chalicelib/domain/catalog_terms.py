"""The catalog's vocabulary and status rule, free of pydantic so that reads stay light."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any


class Mode(StrEnum):
    """The three 跨省通办 modes."""

    FULL_ONLINE = "full_online"  # 全程网办
    PROXY_INTAKE = "proxy_intake"  # 异地代收代办
    JOINT = "joint"  # 多地联办


class ItemType(StrEnum):
    """政务服务事项类型."""

    LICENSING = "administrative_licensing"  # 行政许可
    CONFIRMATION = "administrative_confirmation"  # 行政确认
    PAYMENT = "administrative_payment"  # 行政给付
    RULING = "administrative_ruling"  # 行政裁决
    REWARD = "administrative_reward"  # 行政奖励
    FILING = "administrative_filing"  # 行政备案
    OTHER_POWER = "other_administrative_power"  # 其他行政权力
    PUBLIC_SERVICE = "public_service"  # 公共服务


class Level(StrEnum):
    """行使层级."""

    NATIONAL = "national"  # 国家级
    PROVINCIAL = "provincial"  # 省级
    MUNICIPAL = "municipal"  # 市级
    COUNTY = "county"  # 县级
    TOWNSHIP = "township"  # 乡镇级


class StepKind(StrEnum):
    """办理流程环节. Normally 受理 → 审核 → 决定; special procedures stop the clock."""

    ACCEPT = "accept"  # 受理
    REVIEW = "review"  # 审核
    DECIDE = "decide"  # 决定
    SITE_INSPECTION = "site_inspection"  # 现场踏勘
    EXPERT_REVIEW = "expert_review"  # 专家论证
    HEARING = "hearing"  # 听证
    COLLECTIVE_DECISION = "collective_decision"  # 集体决策
    DELIVER = "deliver"  # 送达


class Delivery(StrEnum):
    ELECTRONIC = "electronic"  # 电子送达 / 电子证照
    MAIL = "mail"  # 邮寄
    WINDOW_PICKUP = "window_pickup"  # 窗口领取


class ResultType(StrEnum):
    CERTIFICATE = "certificate"  # 证照
    APPROVAL_DOCUMENT = "approval_document"  # 批准文书
    CERTIFICATION = "certification"  # 证明
    FILING_RECEIPT = "filing_receipt"  # 备案回执
    OTHER = "other"


class ItemStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"  # 已取消
    DELEGATED = "delegated"  # 已下放


class PartRule(StrEnum):
    """How a joint part's province is picked from the application."""

    LEAD = "lead"  # the accepting province (受理地)
    FROM_PROVINCE = "from_province"  # form field `from_province` (e.g. 迁出地, 转出地)
    TO_PROVINCE = "to_province"  # form field `to_province` (e.g. 迁入地, 转入地)


def status_on(changes: list[dict[str, Any]], day: date) -> dict[str, Any]:
    """The status in force on `day`, from the stored change records (earliest first).

    Works on plain records so the read path needs no model parsing.
    """
    current: dict[str, Any] = {"status": ItemStatus.ACTIVE.value}
    for change in changes:
        if date.fromisoformat(change["effective_from"]) <= day:
            current = change
    return current


def is_available(changes: list[dict[str, Any]], day: date) -> bool:
    """Cancelled and delegated items are never shown as available (杜绝已取消事项仍在展示)."""
    return bool(status_on(changes, day)["status"] == ItemStatus.ACTIVE.value)
