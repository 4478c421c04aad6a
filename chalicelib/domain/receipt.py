"""收件告知单 (intake receipt): what a cross-province window hands the applicant, as on paper.

The receipt is built once from the case (`intake_receipt`) into plain data that every rendering
(JSON, the printable HTML page, the PDF) shows alike, in Chinese or English.

Invariants:
- Names, never codes: the handling province and authority by name, the window by its configured
  name with its address and phone.
- Times are Beijing time written as on paper (2026年11月30日 14:05; 30 November 2026, 14:05 UTC+8).
- No clear personal data: the applicant's name and a mailing address are masked (ADR 0009); the
  receipt may be opened through a print link without a token.
- The progress link carries the case number and its 查询码 only; without a configured public base
  URL there is no link (and no QR code) rather than a link to nowhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from chalicelib.domain import personal
from chalicelib.domain.case import Case, FileStatus
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import BEIJING, rfc3339
from chalicelib.domain.regions import province_name
from chalicelib.domain.window_desk import WindowDesk

TRUST_LEVEL_ORIGINAL_CHECKED = "B"  # services.licences.TrustLevel.B: the scan matches the original

# English names of the provinces (GB/T 2260), for the English receipt.
PROVINCES_EN: dict[str, str] = {
    "110000": "Beijing Municipality",
    "120000": "Tianjin Municipality",
    "130000": "Hebei Province",
    "140000": "Shanxi Province",
    "150000": "Inner Mongolia Autonomous Region",
    "210000": "Liaoning Province",
    "220000": "Jilin Province",
    "230000": "Heilongjiang Province",
    "310000": "Shanghai Municipality",
    "320000": "Jiangsu Province",
    "330000": "Zhejiang Province",
    "340000": "Anhui Province",
    "350000": "Fujian Province",
    "360000": "Jiangxi Province",
    "370000": "Shandong Province",
    "410000": "Henan Province",
    "420000": "Hubei Province",
    "430000": "Hunan Province",
    "440000": "Guangdong Province",
    "450000": "Guangxi Zhuang Autonomous Region",
    "460000": "Hainan Province",
    "500000": "Chongqing Municipality",
    "510000": "Sichuan Province",
    "520000": "Guizhou Province",
    "530000": "Yunnan Province",
    "540000": "Xizang Autonomous Region",
    "610000": "Shaanxi Province",
    "620000": "Gansu Province",
    "630000": "Qinghai Province",
    "640000": "Ningxia Hui Autonomous Region",
    "650000": "Xinjiang Uygur Autonomous Region",
}

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Every fixed text of the receipt, by language: (中文, English).
LABELS: dict[str, tuple[str, str]] = {
    "title": ("跨省通办收件告知单", "Cross-Province Service Intake Receipt"),
    "case_number": ("办件编号", "Case number"),
    "query_code": ("查询码", "Query code"),
    "item": ("申请事项", "Service item"),
    "applicant": ("申请人", "Applicant"),
    "intake_window": ("收件窗口", "Intake window"),
    "window_address": ("窗口地址", "Window address"),
    "window_phone": ("咨询电话", "Enquiries"),
    "handling_province": ("办理地", "Handled in"),
    "handling_authority": ("审批机关", "Handling authority"),
    "promised_limit": ("承诺时限", "Promised time limit"),
    "days": ("{n}个工作日", "{n} working days"),
    "received": ("已收材料", "Materials received"),
    "material": ("材料名称", "Material"),
    "copies": ("份数", "Copies"),
    "original": ("原件", "Original"),
    "original_checked": ("已核验", "checked"),
    "original_mailed": ("寄递办理地", "mailed to the handling authority"),
    "original_checked_mailed": ("已核验，寄递办理地", "checked, mailed to the handling authority"),
    "original_none": ("—", "—"),
    "delivery": ("结果送达方式", "Result delivery"),
    "next_steps": ("后续办理", "What happens next"),
    "issued_at": ("出具时间", "Issued"),
    "scan": (
        "扫码查询办理进度、评价服务（好差评）",
        "Scan to follow the progress and rate the service",
    ),
    "scan_missing": (
        "凭办件编号和查询码在本窗口查询进度",
        "Ask at this window with the case number and query code",
    ),
    "keep": (
        "请妥善保管本告知单，查询码请勿告知他人。",
        "Keep this receipt; do not share the query code.",
    ),
    "seal": ("窗口（盖章）", "Window (seal)"),
    "clerk": ("经办人", "Clerk"),
    "not_configured": ("—", "—"),
    "print": ("打印", "Print"),
    "next_steps_text": (
        "本窗口将申请材料寄递并推送至办理地审批机关；审批机关受理、办理后，结果按您选择的方式送达。"
        "办理进度可凭办件编号和查询码查询。",
        "This window sends your application and materials to the handling authority. The result "
        "will reach you the way you chose. Follow the progress with the case number and query code.",
    ),
}

DELIVERY_TEXT: dict[str, tuple[str, str]] = {
    Delivery.WINDOW_PICKUP.value: ("窗口领取：{window}", "Collect at the window: {window}"),
    Delivery.MAIL.value: ("邮寄送达：{address}", "By mail to: {address}"),
    Delivery.ELECTRONIC.value: ("电子送达（政务服务平台）", "Electronically (government service platform)"),
}


def label(name: str, lang: str) -> str:
    zh, en = LABELS[name]
    return en if lang == "en" else zh


def province_label(code: str, lang: str) -> str:
    """湖南省 / Hunan Province; an unknown code stays as it is (never a crash on a receipt)."""
    if lang == "en":
        return PROVINCES_EN.get(code, code)
    try:
        return province_name(code)
    except KeyError:
        return code


def paper_time(moment: datetime, lang: str) -> str:
    """Beijing time as written on paper: 2026年11月30日 14:05, or 30 November 2026, 14:05 (UTC+8)."""
    local = moment.astimezone(BEIJING)
    if lang == "en":
        return f"{local.day} {MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M} (UTC+8)"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def progress_url(public_base_url: str | None, number: str, query_code: str | None) -> str | None:
    """The public progress and rating page of the case, opened with its 查询码."""
    if not public_base_url or not query_code:
        return None
    base = public_base_url.rstrip("/")
    return f"{base}/v1/public/cases/{quote(number, safe='')}/progress?code={quote(query_code, safe='')}"


def default_desk(province: str, lang: str = "zh") -> WindowDesk:
    """A window without configured details: named after its province's 跨省通办专窗."""
    if lang == "en":
        return WindowDesk(name=f"Cross-province service window, {province_label(province, 'en')}")
    return WindowDesk(name=f"{province_label(province, 'zh')}跨省通办专窗")


def delivery_text(method: str, desk: WindowDesk, masked_address: str | None, lang: str) -> str:
    zh, en = DELIVERY_TEXT[method]
    text = en if lang == "en" else zh
    return text.format(window=desk.name, address=masked_address or label("not_configured", lang))


# The catalog's forms name the applicant's choice of 出件方式 `delivery` (领取方式) and the address
# `mailing_address` (declared personal); their values, by the form's enum, mean these methods.
FORM_DELIVERY_FIELD = "delivery"
FORM_ADDRESS_FIELD = "mailing_address"
FORM_DELIVERY_VALUES = {
    "邮寄": Delivery.MAIL.value,
    "窗口领取": Delivery.WINDOW_PICKUP.value,
    "电子送达": Delivery.ELECTRONIC.value,
}


def chosen_delivery(case: Case) -> tuple[str, str | None]:
    """The applicant's choice (the form's 领取方式, with its mailing address), else what the item
    offers: collecting at the window first, as the window is where the applicant is."""
    chosen = FORM_DELIVERY_VALUES.get(str(case.form.get(FORM_DELIVERY_FIELD, "")))
    if chosen is not None:
        address = case.form.get(FORM_ADDRESS_FIELD) if chosen == Delivery.MAIL.value else None
        return chosen, str(address) if address else None
    offered = [d.value for d in case.result_delivery]
    if not offered or Delivery.WINDOW_PICKUP.value in offered:
        return Delivery.WINDOW_PICKUP.value, None
    return offered[0], None


def received_materials(case: Case, lang: str) -> list[dict[str, Any]]:
    """Per material slot: scanned copies verified, original checked (trust B), original mailed."""
    assert case.intake is not None
    rows = []
    for slot in case.slots:
        files = [f for f in case.files if f.slot == slot.code and f.status is FileStatus.VERIFIED]
        checked = any(f.trust_level == TRUST_LEVEL_ORIGINAL_CHECKED for f in files)
        mailed = slot.code in case.intake.originals_to_mail
        if checked and mailed:
            original = label("original_checked_mailed", lang)
        elif checked:
            original = label("original_checked", lang)
        elif mailed:
            original = label("original_mailed", lang)
        else:
            original = label("original_none", lang)
        rows.append(
            {
                "slot": slot.code,
                "material": slot.name,
                "files": len(files),
                "original_checked": checked,
                "original_mailed": mailed,
                "original": original,
            }
        )
    return rows


def intake_receipt(case: Case, desk: WindowDesk, public_base_url: str | None, lang: str) -> dict[str, Any]:
    """The receipt's data: the fields of `IntakeReceipt`, each text in `lang`."""
    assert case.intake is not None
    method, address = chosen_delivery(case)
    masked_address = personal.mask_address(address) if address else None
    issued = case.intake.receipt_issued_at
    return {
        "case_number": case.number,
        "query_code": case.intake.query_code,
        "progress_url": progress_url(public_base_url, case.number, case.intake.query_code),
        "item_name": case.item_name,
        "applicant": personal.mask_name(case.applicant.name),
        "intake_province": province_label(case.intake.province, lang),
        "window": {"id": case.intake.window, "name": desk.name, "address": desk.address, "phone": desk.phone},
        "handling_province": province_label(case.handler.province, lang),
        "handling_province_code": case.handler.province,
        "handling_authority": case.handler.authority_name,
        "received": received_materials(case, lang),
        "next_steps": label("next_steps_text", lang),
        "delivery": {
            "method": method,
            "address": masked_address,
            "text": delivery_text(method, desk, masked_address, lang),
        },
        "result_delivery": delivery_text(method, desk, masked_address, lang),
        "promised_limit_days": case.clock.promised_days,
        "issued_at": rfc3339(issued) if issued else None,
        "issued_at_text": paper_time(issued, lang) if issued else None,
        "language": lang,
    }
