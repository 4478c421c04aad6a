"""Items of the national 跨省通办 list for the seed catalog, written compactly and expanded here.

`python -m infra.seed.national_list` writes the expanded items to `infra/seed/national.json` and
adds batch and source to the development items of `infra/seed/catalog.json`; a unit test fails
when the files and this module disagree. `make run` seeds both files; the integration tests seed
only `catalog.json`, the items they use, so that their setup stays fast.

What is sourced and what is not (see README, "The seed catalog"): each item's name, 主管部门 and
batch are those of the national list (国办发〔2020〕35号 and its annex, 国办发〔2022〕34号); where
the deadline batch of an item could not be confirmed from a published text, `batch.deadline` is
marked as sample data. Legal bases are the laws and regulations that govern the item; a statutory
limit is marked as sample unless the cited article sets it. Conditions, process, materials, forms,
promised limits, fees, item codes and every implementation are sample data written for
development, and each item's `sample_fields` says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.json"
NATIONAL_FILE = Path(__file__).resolve().parent / "national.json"
NOTICE = (
    "国家“跨省通办”事项清单中的事项：事项名称、主管部门和批次取自清单文件；"
    "各事项 sample_fields 所列字段（或其部分，如 batch.deadline、materials）为开发用示例数据，并非官方数值。 "
    "Items of the national 跨省通办 list: names, departments and batches are the list's; "
    "the fields (or parts, e.g. batch.deadline) named in each item's sample_fields hold sample data "
    "for development, not official values."
)
SCHEMA = "https://json-schema.org/draft/2020-12/schema"
PROVINCE_PATTERN = "^[1-6][0-9]0000$"

# — the lists —

LIST_2020 = {
    "title": "国务院办公厅关于加快推进政务服务“跨省通办”的指导意见"
    "（附件：全国高频政务服务“跨省通办”事项清单）",
    "document": "国办发〔2020〕35号",
    "url": "http://www.beijing.gov.cn/zhengce/zhengcefagui/202009/t20200929_2103660.html",
}
LIST_2022 = {
    "title": "国务院办公厅关于扩大政务服务“跨省通办”范围进一步提升服务效能的意见"
    "（附件：新增政务服务“跨省通办”事项清单）",
    "document": "国办发〔2022〕34号",
}
BY_2020 = "2020年底前"
BY_2021 = "2021年底前"
BY_2022 = "2022年底前"

# — the local stack's provinces and the authorities standing for each department —

PLACES = {
    "430000": ("湖南省", "长沙市", "0731"),
    "450000": ("广西壮族自治区", "南宁市", "0771"),
    "320000": ("江苏省", "南京市", "025"),
}
OFFICE_HOURS = "工作日 9:00-12:00，13:30-17:00"


class Dept:
    """A department (主管部门) of the list: its hotline and the local authority handling its items.

    The local cast has two authorities per province: `A-<code>-01` stands for 人社, 公安, 市场监管
    and the other licensing and registration departments, `A-<code>-02` for 医保, 公积金, 教育
    and the other health, housing and social departments (README, "The local cast").
    """

    def __init__(self, name: str, hotline: str, authority_no: str, office: str, provincial: bool = False):
        self.name, self.hotline, self.authority_no = name, hotline, authority_no
        self.office, self.provincial = office, provincial

    def implementations(self, code: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for province, (province_name, city, area) in PLACES.items():
            place = province_name if self.provincial else city
            authority = self.office.format(place=place, city=city, short=city.removesuffix("市"))
            out[province] = {
                "authority": authority,
                "authority_code": f"A-{province}-{self.authority_no}",
                "local_code": f"{province}-{code}",
                "contact_phone": f"{area}-{self.hotline}",
                "office_hours": OFFICE_HOURS,
                "address": city,
            }
        return out


RS = Dept("人力资源社会保障部", "12333", "01", "{place}人力资源和社会保障局")
GA = Dept("公安部", "12345", "01", "{place}公安局")
YM = Dept("国家移民局", "12367", "01", "{place}公安局出入境管理支队")
SJ = Dept("市场监管总局", "12315", "01", "{place}市场监督管理局")
SF = Dept("司法部", "12348", "01", "{city}{short}公证处")
MZ = Dept("民政部", "12345", "01", "{place}民政局婚姻登记处")
JT = Dept("交通运输部", "12328", "01", "{place}交通运输局")
HJ = Dept("生态环境部", "12369", "01", "{place}生态环境局")
HG = Dept("海关总署", "12360", "01", "{short}海关")
ZJ = Dept("住房城乡建设部", "12329", "02", "{place}住房公积金管理中心")
YB = Dept("国家医保局", "12393", "02", "{place}医疗保障事务中心")
JY = Dept("教育部", "12345", "02", "{place}教育局")
WJ = Dept("国家卫生健康委", "12320", "02", "{place}卫生健康委员会")
ZR = Dept("自然资源部", "12336", "02", "{place}不动产登记中心")
CL = Dept("中国残联", "12385", "02", "{place}残疾人联合会")
YJ = Dept("国家药监局", "12315", "02", "{place}药品监督管理局", provincial=True)

# — building blocks —


def material(
    code: str,
    name: str,
    *,
    required: bool = True,
    original: bool = False,
    elicence: str | None = None,
    deferred: bool = False,
    copies: int = 1,
    errors: tuple[str, ...] = (),
) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "name": name, "copies": copies}
    if not required:
        out["required"] = False
    if original:
        out["original_required"] = True
    if elicence:
        out["elicence_type"] = elicence
    if deferred:
        out["may_be_deferred"] = True
    if errors:
        out["common_errors"] = list(errors)
    return out


ID_CARD = material(
    "id_card",
    "居民身份证",
    original=True,
    elicence="居民身份证",
    errors=("身份证已过有效期", "复印件正反面不全或模糊"),
)
BUSINESS_LICENCE = material(
    "business_licence", "营业执照", elicence="营业执照", errors=("营业执照已注销或吊销", "名称与申请表不一致")
)
HOUSEHOLD = material(
    "household_register",
    "居民户口簿",
    original=True,
    elicence="居民户口簿",
    errors=("未提供户主页和本人页", "户口簿信息与身份证不一致"),
)
ENTRUSTMENT = material(
    "power_of_attorney",
    "授权委托书及受托人居民身份证",
    required=False,
    errors=("委托事项和权限未写明", "委托人未签名或未加盖公章"),
)
PHOTO = material("photo", "近期免冠证件照片", errors=("照片背景颜色不符合要求", "照片为翻拍件"))


def text(title: str, *, max_length: int = 100, personal: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "title": title, "minLength": 1, "maxLength": max_length}
    if personal:
        out["x-personal"] = personal
    return out


def choice(title: str, *options: str) -> dict[str, Any]:
    return {"type": "string", "title": title, "enum": list(options)}


def day(title: str) -> dict[str, Any]:
    return {"type": "string", "title": title, "format": "date"}


def number(title: str, *, maximum: int) -> dict[str, Any]:
    return {"type": "integer", "title": title, "minimum": 0, "maximum": maximum}


def province(title: str) -> dict[str, Any]:
    return {"type": "string", "pattern": PROVINCE_PATTERN, "title": title}


MOBILE = {"type": "string", "title": "联系电话（手机）", "pattern": "^1[3-9][0-9]{9}$", "x-personal": "phone"}
CREDIT_CODE = {
    "type": "string",
    "title": "统一社会信用代码",
    "pattern": "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
}
ADDRESS = text("收件地址", max_length=200, personal="address")


def form(required: list[str], **properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": properties,
    }


def law(title: str, article: str | None = None) -> dict[str, Any]:
    return {"title": title} if article is None else {"title": title, "article": article}


def step(kind: str, name: str, description: str | None = None) -> dict[str, Any]:
    return (
        {"kind": kind, "name": name}
        if description is None
        else {"kind": kind, "name": name, "description": description}
    )


def standard_process(accept: str, decide: str = "作出决定") -> list[dict[str, Any]]:
    return [step("accept", "受理", accept), step("review", "审核"), step("decide", "决定", decide)]


def on_the_spot(accept: str) -> list[dict[str, Any]]:
    return [step("accept", "受理", accept), step("decide", "办结", "当场办结并出具结果")]


def result(kind: str, name: str, *delivery: str, elicence: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "name": name, "delivery": list(delivery) or ["electronic"]}
    if elicence:
        out["elicence_type"] = elicence
    return out


# The fields every generated item holds as sample data; an item adds its own (`sample`).
ALWAYS_SAMPLE = (
    "code",
    "acceptance_conditions",
    "process",
    "promised_limit_days",
    "materials",
    "implementations",
)


def item(
    code: str,
    name: str,
    dept: Dept,
    *,
    listed: dict[str, str],
    deadline: str,
    deadline_sourced: bool,
    item_type: str,
    level: str,
    basis: list[dict[str, Any]],
    conditions: list[str],
    process: list[dict[str, Any]],
    statutory: int,
    statutory_sourced: bool,
    promised: int,
    materials: list[dict[str, Any]],
    form_schema: dict[str, Any],
    outcome: dict[str, Any],
    modes: list[str],
    kinds: tuple[str, ...] = ("natural_person",),
    aliases: tuple[str, ...] = (),
    immediate: bool = False,
    deferred: bool = False,
    commitment: bool = False,
    assurance: str | None = None,
    fees: list[dict[str, Any]] | None = None,
    joint_parts: list[dict[str, Any]] | None = None,
    sample: tuple[str, ...] = (),
) -> dict[str, Any]:
    marks = list(ALWAYS_SAMPLE)
    if not statutory_sourced:
        marks.append("statutory_limit_days")
    if fees:
        marks.append("fees")
    if joint_parts:
        marks.append("joint_parts")
    if not deadline_sourced:
        marks.append("batch.deadline")
    marks.extend(m for m in sample if m not in marks)
    out: dict[str, Any] = {
        "code": code,
        "name": name,
        "aliases": list(aliases),
        "item_type": item_type,
        "department": dept.name,
        "level": level,
        "legal_basis": basis,
        "acceptance_conditions": conditions,
        "process": process,
        "statutory_limit_days": statutory,
        "promised_limit_days": promised,
    }
    if immediate:
        out["immediate"] = True
    if deferred:
        out["allows_deferred_acceptance"] = True
    if commitment:
        out["allows_commitment"] = True
    out["applicant_kinds"] = list(kinds)
    if assurance:
        out["min_assurance"] = assurance
    out |= {
        "materials": materials,
        "form_schema": form_schema,
        "fees": fees or [],
        "result": outcome,
        "contacts": [
            {"kind": "hotline", "value": dept.hotline},
            {"kind": "web", "value": "https://gjzwfw.www.gov.cn/"},
        ],
        "modes": modes,
    }
    if joint_parts:
        out["joint_parts"] = joint_parts
    out |= {
        "implementations": dept.implementations(code),
        "batch": {"document": listed["document"], "deadline": deadline},
        "source": dict(listed),
        "sample_fields": marks,
    }
    return out


# — templates shared by families of items —


def notarial(
    code: str, name: str, document: str, deadline: str, sourced: bool, *aliases: str
) -> dict[str, Any]:
    """公证: a notarial certificate of a document or fact, issued by a notary office (公证处)."""
    return item(
        code,
        name,
        SF,
        listed=LIST_2020,
        deadline=deadline,
        deadline_sourced=sourced,
        item_type="public_service",
        level="county",
        aliases=aliases,
        basis=[
            law("《中华人民共和国公证法》", "第二十五条"),
            law("《中华人民共和国公证法》", "第三十条"),
            law("《公证程序规则》"),
        ],
        conditions=[
            f"申请人持有待公证的{document}，或能够证明待公证事实的材料",
            "自然人可向住所地、经常居住地、行为地或者事实发生地的公证机构申请；跨省通办的可在线申请、异地代收",
            "申请公证的事项真实、合法，证明材料真实、充分",
        ],
        process=[
            step("accept", "受理", "公证机构审查申请人身份和申请材料，符合条件的予以受理"),
            step("review", "审查核实", "核实证明材料的真实性、合法性，必要时向有关单位核实"),
            step("decide", "出具公证书"),
            step("deliver", "送达", "公证书邮寄送达或窗口领取；需要译文的一并出具"),
        ],
        statutory=15,
        statutory_sourced=True,
        promised=5,
        materials=[
            ID_CARD,
            material(
                "certified_document",
                f"{document}原件",
                original=True,
                errors=("证件信息与身份证不一致", "证件照片页或签章页不清晰"),
            ),
            material("notarization_application", "公证申请表", errors=("用途国家或地区未填写", "未签名")),
            ENTRUSTMENT,
        ],
        form_schema=form(
            ["use_country", "purpose", "translation", "mailing_address", "mobile"],
            use_country=text("使用国家或地区", max_length=50),
            purpose=choice("公证用途", "留学", "就业", "定居", "探亲", "其他"),
            translation=choice("译文语种", "不需要", "英文", "日文", "法文", "德文", "俄文", "其他"),
            copies=number("公证书份数", maximum=10),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        fees=[{"name": "公证费", "amount_fen": 8000, "basis": "所在省公证服务收费标准（示例）"}],
        outcome=result("certification", name.replace("公证", "公证书"), "mail", "window_pickup"),
        modes=["full_online", "proxy_intake"],
    )


def household_move(
    code: str, reason: str, relation: str, evidence: dict[str, Any], *aliases: str
) -> dict[str, Any]:
    """户口迁移 of one kind: approved where the person moves in, registered where they leave (多地联办)."""
    return item(
        code,
        f"户口迁移（{reason}）",
        GA,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="county",
        aliases=("户口迁移", "迁户口", "落户", *aliases),
        basis=[
            law("《中华人民共和国户口登记条例》", "第十条"),
            law("《中华人民共和国户口登记条例》", "第十三条"),
        ],
        conditions=[
            f"申请人符合迁入地{reason}落户政策（{relation}）",
            "在迁入地有合法稳定住所或符合集体户落户条件",
            "由迁入地公安机关户籍部门受理，迁出地不再要求申请人到场（一站式办理）",
        ],
        process=[
            step("accept", "迁入地受理", "迁入地公安机关户籍窗口受理并核验材料"),
            step("review", "迁入地审核"),
            step("decide", "迁入地审批", "准予迁入的，电子迁移信息推送迁出地"),
            step("deliver", "迁出地迁出登记", "迁出地公安机关办理迁出，迁入地办理落户"),
        ],
        statutory=20,
        statutory_sourced=False,
        promised=10,
        materials=[ID_CARD, HOUSEHOLD, evidence],
        form_schema=form(
            ["from_province", "to_province", "to_address", "mobile"],
            from_province=province("迁出地（省级行政区划代码）"),
            to_province=province("迁入地（省级行政区划代码）"),
            to_address=text("迁入地址", max_length=200, personal="address"),
            moving_members=number("随迁人数", maximum=10),
            mobile=MOBILE,
        ),
        outcome=result("approval_document", "准予迁入证明（电子迁移信息）", "electronic", "window_pickup"),
        modes=["joint"],
        joint_parts=[
            {
                "key": "move_in_approval",
                "role": "迁入地审批",
                "department": "迁入地公安机关户籍部门",
                "province_rule": "to_province",
                "promised_limit_days": 7,
                "materials": ["id_card", "household_register", evidence["code"]],
            },
            {
                "key": "move_out_registration",
                "role": "迁出地迁出登记",
                "department": "迁出地公安机关户籍部门",
                "province_rule": "from_province",
                "promised_limit_days": 3,
                "depends_on": ["move_in_approval"],
                "materials": ["household_register"],
            },
        ],
        sample=("level",),
    )


def housing_fund(code: str, name: str, **kwargs: Any) -> dict[str, Any]:
    """住房公积金 items share the regulation, the department and the fund centre."""
    basis = [law("《住房公积金管理条例》", kwargs.pop("article", None))]
    return item(
        code, name, ZJ, listed=LIST_2020, item_type="public_service", level="municipal", basis=basis, **kwargs
    )


def driver_qualification(code: str, act: str, conditions: list[str], *aliases: str) -> dict[str, Any]:
    """道路运输从业人员从业资格证: its 补发, 换发, 变更, 注销 are separate items of the list."""
    return item(
        code,
        f"道路运输从业人员从业资格证{act}",
        JT,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("从业资格证", "道路运输从业资格", *aliases),
        basis=[law("《中华人民共和国道路运输条例》"), law("《道路运输从业人员管理规定》")],
        conditions=conditions,
        process=standard_process("道路运输管理机构在线或窗口受理", f"办理{act}"),
        statutory=5,
        statutory_sourced=False,
        promised=2,
        materials=[ID_CARD, PHOTO],
        form_schema=form(
            ["certificate_no", "qualification_type", "mobile"],
            certificate_no=text("从业资格证号", max_length=30, personal="other"),
            qualification_type=choice(
                "从业资格类别", "道路旅客运输驾驶员", "道路货物运输驾驶员", "危险货物道路运输从业人员"
            ),
            reason=text("申请原因", max_length=200),
            mobile=MOBILE,
        ),
        outcome=result(
            "certificate",
            "道路运输从业人员从业资格证",
            "electronic",
            "mail",
            elicence="道路运输从业人员从业资格证",
        ),
        modes=["full_online"],
    )


# — the items —

SOCIAL_INSURANCE_LAW = "《中华人民共和国社会保险法》"

ITEMS: list[dict[str, Any]] = [
    # 人力资源社会保障部
    item(
        "KSTB-RS-007",
        "城乡居民基本养老保险关系转移接续",
        RS,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=True,
        item_type="public_service",
        level="county",
        aliases=("城乡居民养老保险转移", "居民养老保险转移", "新农保转移"),
        basis=[law("《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）")],
        conditions=[
            "参加城乡居民基本养老保险、尚未领取待遇且户籍跨省迁移的人员",
            "向户籍迁入地社会保险经办机构申请",
        ],
        process=standard_process(
            "迁入地社会保险经办机构受理并向迁出地发出联系函", "迁出地转出个人账户储存额，迁入地接续"
        ),
        statutory=45,
        statutory_sourced=False,
        promised=20,
        materials=[ID_CARD, HOUSEHOLD],
        form_schema=form(
            ["from_province", "from_agency", "mobile"],
            from_province=province("转出地（省级行政区划代码）"),
            from_agency=text("转出地社会保险经办机构"),
            mobile=MOBILE,
        ),
        outcome=result("other", "城乡居民基本养老保险关系转移接续完成告知"),
        modes=["full_online", "proxy_intake"],
        sample=("level",),
    ),
    item(
        "KSTB-RS-008",
        "机关事业单位基本养老保险关系转移接续",
        RS,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("机关事业单位养老保险转移", "机关养老保险转移"),
        basis=[
            law(SOCIAL_INSURANCE_LAW, "第十九条"),
            law("《国务院关于机关事业单位工作人员养老保险制度改革的决定》（国发〔2015〕2号）"),
        ],
        conditions=[
            "参加机关事业单位基本养老保险的人员跨省流动就业",
            "由转入单位或本人向转入地社会保险经办机构申请",
        ],
        process=standard_process("转入地社会保险经办机构受理并发联系函", "转出地转移基金，转入地接续"),
        statutory=45,
        statutory_sourced=False,
        promised=20,
        materials=[
            ID_CARD,
            material(
                "transfer_application",
                "基本养老保险关系转移接续申请表",
                errors=("转出地、转入地经办机构名称不全",),
            ),
        ],
        form_schema=form(
            ["from_province", "from_agency", "new_employer", "mobile"],
            from_province=province("转出地（省级行政区划代码）"),
            from_agency=text("转出地社会保险经办机构"),
            new_employer=text("转入单位名称"),
            mobile=MOBILE,
        ),
        outcome=result("other", "基本养老保险关系转移接续完成告知"),
        modes=["full_online"],
        kinds=("natural_person", "legal_person"),
    ),
    item(
        "KSTB-RS-009",
        "社会保险参保缴费记录查询",
        RS,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("社保缴费记录", "参保证明", "社保证明", "缴费记录查询"),
        basis=[law(SOCIAL_INSURANCE_LAW, "第七十四条")],
        conditions=["参加社会保险的个人，或用人单位查询本单位职工的参保缴费记录"],
        process=on_the_spot("在线核验身份后查询"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["insurance_type", "period_from", "period_to"],
            insurance_type=choice("险种", "企业职工基本养老保险", "失业保险", "工伤保险", "全部"),
            period_from=day("查询起始日期"),
            period_to=day("查询截止日期"),
        ),
        outcome=result("certification", "社会保险个人参保证明", "electronic"),
        modes=["full_online"],
        kinds=("natural_person", "legal_person"),
        sample=("level",),
    ),
    item(
        "KSTB-RS-010",
        "领取养老金人员待遇资格认证",
        RS,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("养老金资格认证", "生存认证", "待遇资格认证", "刷脸认证"),
        basis=[law(SOCIAL_INSURANCE_LAW)],
        conditions=[
            "按月领取基本养老金的人员，含异地居住的退休人员",
            "本人刷脸认证，或由社会保险经办机构经数据比对确认",
        ],
        process=on_the_spot("在线人脸识别或窗口核验"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        assurance="face",
        materials=[],
        form_schema=form(
            ["pension_province", "residence_city", "mobile"],
            pension_province=province("待遇领取地（省级行政区划代码）"),
            residence_city=text("现居住城市", max_length=50),
            mobile=MOBILE,
        ),
        outcome=result("other", "待遇资格认证结果"),
        modes=["full_online", "proxy_intake"],
    ),
    item(
        "KSTB-RS-011",
        "就业创业证查询核验",
        RS,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("就业创业证", "就业失业登记证", "就业证核验"),
        basis=[law("《就业服务与就业管理规定》"), law("《中华人民共和国就业促进法》")],
        conditions=["持有就业创业证的本人，或经本人授权的用人单位、公共就业服务机构"],
        process=on_the_spot("在线核验身份后查询"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["certificate_no"], certificate_no=text("就业创业证编号", max_length=30, personal="other")
        ),
        outcome=result("certification", "就业创业证核验结果"),
        modes=["full_online"],
        kinds=("natural_person", "legal_person"),
    ),
    item(
        "KSTB-RS-012",
        "技工院校毕业证书查询核验",
        RS,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="public_service",
        level="provincial",
        aliases=("技校毕业证", "技工学校毕业证书", "毕业证核验"),
        basis=[law("《中华人民共和国职业教育法》")],
        conditions=["技工院校毕业生本人，或经其授权的用人单位"],
        process=on_the_spot("在线核验身份后查询"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["certificate_no", "school_name"],
            certificate_no=text("毕业证书编号", max_length=30, personal="other"),
            school_name=text("毕业院校"),
            graduation_year={"type": "integer", "title": "毕业年份", "minimum": 1950, "maximum": 2100},
        ),
        outcome=result("certification", "技工院校毕业证书核验结果"),
        modes=["full_online"],
        kinds=("natural_person", "legal_person"),
        sample=("level",),
    ),
    item(
        "KSTB-RS-013",
        "就业登记",
        RS,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=True,
        item_type="public_service",
        level="county",
        aliases=("就业登记", "灵活就业登记", "就业备案"),
        basis=[law("《中华人民共和国就业促进法》"), law("《就业服务与就业管理规定》")],
        conditions=[
            "在法定劳动年龄内、与用人单位建立劳动关系或灵活就业的人员",
            "用人单位为招用人员办理，或灵活就业人员本人办理",
        ],
        process=on_the_spot("在线或窗口受理"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[ID_CARD, material("labour_contract", "劳动合同或就业证明", required=False)],
        form_schema=form(
            ["employment_type", "employer", "start_date"],
            employment_type=choice("就业形式", "单位就业", "灵活就业", "自主创业"),
            employer=text("就业单位名称"),
            start_date=day("就业日期"),
            mobile=MOBILE,
        ),
        outcome=result("filing_receipt", "就业登记回执"),
        modes=["full_online", "proxy_intake"],
        kinds=("natural_person", "legal_person"),
    ),
    item(
        "KSTB-RS-014",
        "失业保险关系转移接续",
        RS,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("失业保险转移", "失业金转移"),
        basis=[law("《失业保险条例》", "第二十二条"), law(SOCIAL_INSURANCE_LAW, "第五十二条")],
        conditions=[
            "失业人员跨统筹地区流动，或用人单位成建制跨统筹地区转移",
            "失业人员在领取期间的，尚未领取的失业保险金随失业保险关系转移",
        ],
        process=standard_process("转入地经办机构受理", "转出地转出，转入地接续"),
        statutory=30,
        statutory_sourced=False,
        promised=10,
        materials=[ID_CARD],
        form_schema=form(
            ["from_province", "from_agency", "mobile"],
            from_province=province("转出地（省级行政区划代码）"),
            from_agency=text("转出地失业保险经办机构"),
            mobile=MOBILE,
        ),
        outcome=result("other", "失业保险关系转移接续完成告知"),
        modes=["full_online"],
    ),
    item(
        "KSTB-RS-015",
        "社会保障卡补领、换领、换发",
        RS,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("社保卡补办", "社保卡换卡", "社会保障卡补领", "社保卡"),
        basis=[law(SOCIAL_INSURANCE_LAW, "第五十八条"), law("《社会保障卡管理办法》")],
        conditions=["已申领社会保障卡且卡片遗失、损坏或到期的持卡人", "遗失的须先办理挂失"],
        process=standard_process("发卡地或居住地社会保障卡服务网点受理", "制卡并寄送或网点领取"),
        statutory=20,
        statutory_sourced=False,
        promised=10,
        fees=[{"name": "补换卡工本费", "amount_fen": 0, "basis": "免收（示例）"}],
        materials=[ID_CARD, PHOTO],
        form_schema=form(
            ["reason", "issuing_province", "mailing_address", "mobile"],
            reason=choice("补换原因", "遗失", "损坏", "有效期满", "信息变更"),
            issuing_province=province("发卡地（省级行政区划代码）"),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        outcome=result("certificate", "社会保障卡", "mail", "window_pickup", elicence="电子社会保障卡"),
        modes=["full_online", "proxy_intake"],
    ),
    # 公安部、国家移民局
    item(
        "KSTB-GA-005",
        "普通护照签发",
        YM,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="municipal",
        aliases=("护照", "办护照", "护照签发", "因私护照"),
        basis=[law("《中华人民共和国护照法》", "第五条"), law("《中华人民共和国护照法》", "第六条")],
        conditions=[
            "中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国",
            "可在全国任一出入境管理机构申请，无需提交户籍或居住证明",
        ],
        process=[
            step("accept", "受理", "出入境管理机构核验身份、采集照片和指纹"),
            step("review", "审核"),
            step("decide", "签发"),
            step("deliver", "送达", "邮寄送达或窗口领取"),
        ],
        statutory=15,
        statutory_sourced=True,
        promised=7,
        fees=[
            {
                "name": "普通护照工本费",
                "amount_fen": 12000,
                "basis": "国家发展改革委、财政部出入境证件收费标准",
            }
        ],
        materials=[ID_CARD, PHOTO],
        form_schema=form(
            ["kind", "delivery", "mobile"],
            kind=choice("申请类别", "首次申请", "换发", "补发"),
            delivery=choice("领取方式", "邮寄", "窗口领取"),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        outcome=result("certificate", "中华人民共和国普通护照", "mail", "window_pickup"),
        modes=["proxy_intake"],
        assurance="face",
    ),
    item(
        "KSTB-GA-006",
        "机动车临时号牌核发",
        GA,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="county",
        aliases=("临时号牌", "临牌", "临时牌照"),
        basis=[law("《中华人民共和国道路交通安全法》", "第八条"), law("《机动车登记规定》")],
        conditions=[
            "购买新车需要驶往登记地，或需要临时上道路行驶的未登记机动车",
            "机动车已投保机动车交通事故责任强制保险",
        ],
        process=on_the_spot("车辆管理所或机动车销售企业代办点受理"),
        statutory=1,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        fees=[{"name": "临时号牌工本费", "amount_fen": 500, "basis": "各省机动车号牌收费标准（示例）"}],
        materials=[
            ID_CARD,
            material(
                "vehicle_invoice", "机动车来历证明（购车发票）", errors=("发票信息与车辆识别代号不一致",)
            ),
            material("insurance_policy", "机动车交通事故责任强制保险凭证", elicence="交强险电子保单"),
        ],
        form_schema=form(
            ["vin", "destination", "mobile"],
            vin={"type": "string", "title": "车辆识别代号", "pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
            destination=text("行驶目的地"),
            mobile=MOBILE,
        ),
        outcome=result(
            "certificate", "机动车临时行驶车号牌", "electronic", "window_pickup", elicence="电子临时号牌"
        ),
        modes=["full_online", "proxy_intake"],
        kinds=("natural_person", "legal_person"),
    ),
    item(
        "KSTB-GA-007",
        "机动车检验标志核发",
        GA,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="administrative_confirmation",
        level="county",
        aliases=("年检标志", "车辆年检", "检验合格标志", "免检标志"),
        basis=[
            law("《中华人民共和国道路交通安全法》", "第十三条"),
            law("《中华人民共和国道路交通安全法实施条例》", "第十六条"),
        ],
        conditions=["机动车经安全技术检验合格或符合免检条件", "车辆无未处理的交通违法记录和交通事故"],
        process=on_the_spot("在线或检验机构受理，核对检验报告"),
        statutory=1,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[
            material("inspection_report", "机动车安全技术检验报告", required=False),
            material("insurance_policy", "机动车交通事故责任强制保险凭证", elicence="交强险电子保单"),
        ],
        form_schema=form(
            ["plate_number", "plate_type", "mobile"],
            plate_number=text("号牌号码", max_length=10),
            plate_type=choice("号牌种类", "小型汽车", "大型汽车", "新能源小型车", "摩托车"),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "机动车检验合格标志", "electronic", elicence="电子检验合格标志"),
        modes=["full_online", "proxy_intake"],
        kinds=("natural_person", "legal_person"),
    ),
    household_move(
        "KSTB-GA-008",
        "父母投靠子女",
        "父母投靠在迁入地落户的成年子女",
        material("kinship_proof", "亲属关系证明", elicence="居民户口簿", errors=("未能证明父母子女关系",)),
        "投靠子女",
    ),
    household_move(
        "KSTB-GA-009",
        "工作调动",
        "因工作调动、引进人才在迁入地就业",
        material("employment_proof", "工作调动或人才引进证明", errors=("调动文件未加盖公章",)),
        "人才落户",
    ),
    household_move(
        "KSTB-GA-010",
        "大中专院校录取",
        "被迁入地大中专院校录取的学生",
        material("admission_notice", "录取通知书", original=True, errors=("录取通知书与身份信息不一致",)),
        "学生户口迁移",
        "录取迁户",
    ),
    item(
        "KSTB-GA-011",
        "首次申领居民身份证",
        GA,
        listed=LIST_2022,
        deadline=BY_2022,
        deadline_sourced=False,
        item_type="administrative_confirmation",
        level="county",
        aliases=("居民身份证", "办身份证", "身份证首次申领", "异地办身份证"),
        basis=[
            law("《中华人民共和国居民身份证法》", "第八条"),
            law("《中华人民共和国居民身份证法》", "第十条"),
        ],
        conditions=["已在户籍地登记常住户口、首次申领居民身份证的中国公民", "未满十六周岁的由监护人陪同申请"],
        process=[
            step("accept", "受理", "居住地公安机关核验身份、采集指纹和照片"),
            step("review", "户籍地审核"),
            step("decide", "签发"),
            step("deliver", "送达", "邮寄送达或窗口领取"),
        ],
        statutory=60,
        statutory_sourced=False,
        promised=30,
        fees=[{"name": "居民身份证工本费", "amount_fen": 2000, "basis": "居民身份证工本费标准"}],
        materials=[
            HOUSEHOLD,
            PHOTO,
            material("guardian_id", "监护人居民身份证", required=False, original=True),
        ],
        form_schema=form(
            ["delivery", "mobile"],
            delivery=choice("领取方式", "邮寄", "窗口领取"),
            mailing_address=ADDRESS,
            guardian_name=text("监护人姓名", max_length=50, personal="name"),
            mobile=MOBILE,
        ),
        outcome=result(
            "certificate", "中华人民共和国居民身份证", "mail", "window_pickup", elicence="居民身份证"
        ),
        modes=["proxy_intake"],
        sample=("batch", "statutory_limit_days"),
    ),
    item(
        "KSTB-GA-012",
        "机动车驾驶人异地考试",
        GA,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="administrative_licensing",
        level="municipal",
        aliases=("异地考驾照", "驾驶证异地考试", "驾考"),
        basis=[law("《中华人民共和国道路交通安全法》", "第十九条"), law("《机动车驾驶证申领和使用规定》")],
        conditions=[
            "在户籍地以外居住的申请人，可在居住地申请机动车驾驶证考试",
            "符合申请相应准驾车型的年龄、身体条件",
        ],
        process=[
            step("accept", "受理", "居住地车辆管理所受理并预约考试"),
            step("review", "考试", "科目一至科目四考试"),
            step("decide", "核发驾驶证"),
        ],
        statutory=20,
        statutory_sourced=False,
        promised=10,
        fees=[{"name": "考试费", "amount_fen": 50000, "basis": "所在省机动车驾驶人考试收费标准（示例）"}],
        materials=[
            ID_CARD,
            material("health_certificate", "机动车驾驶人身体条件证明", elicence="驾驶人体检电子证明"),
        ],
        form_schema=form(
            ["vehicle_class", "exam_city", "mobile"],
            vehicle_class=choice("准驾车型", "C1", "C2", "D", "E", "A2", "B2"),
            exam_city=text("考试地城市", max_length=50),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "机动车驾驶证", "mail", "window_pickup", elicence="电子驾驶证"),
        modes=["proxy_intake"],
    ),
    # 市场监管总局
    item(
        "KSTB-SJ-003",
        "内资企业及分支机构设立登记",
        SJ,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="county",
        aliases=("公司注册", "企业设立", "开公司", "分公司设立", "营业执照办理"),
        basis=[law("《中华人民共和国公司法》"), law("《中华人民共和国市场主体登记管理条例》", "第十九条")],
        conditions=["申请人具备法律、行政法规规定的设立条件", "名称、住所、经营范围等登记事项符合规定"],
        process=standard_process(
            "登记机关对申请材料进行形式审查", "材料齐全、符合法定形式的予以登记，核发营业执照"
        ),
        statutory=3,
        statutory_sourced=True,
        promised=1,
        deferred=True,
        materials=[
            material("registration_application", "公司（企业）登记申请书", errors=("经营范围未按规范表述",)),
            material("articles", "公司章程", errors=("章程未经全体股东签署",)),
            material("investor_proof", "股东（投资人）主体资格证明", elicence="营业执照"),
            material("premises_proof", "住所使用证明", deferred=True, errors=("住所证明与申报地址不一致",)),
            material("officer_ids", "法定代表人、董事、监事和经理的任职文件及身份证明"),
        ],
        form_schema=form(
            [
                "enterprise_name",
                "enterprise_type",
                "registered_capital_fen",
                "address",
                "legal_representative",
                "mobile",
            ],
            enterprise_name=text("企业名称"),
            enterprise_type=choice(
                "企业类型", "有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "分公司"
            ),
            registered_capital_fen={"type": "integer", "title": "注册资本（分）", "minimum": 0},
            address=text("住所", max_length=200),
            business_scope=text("经营范围", max_length=2000),
            legal_representative=text("法定代表人姓名", max_length=50, personal="name"),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "营业执照", "electronic", "mail", elicence="营业执照"),
        modes=["full_online", "proxy_intake"],
        kinds=("legal_person", "natural_person"),
    ),
    item(
        "KSTB-SJ-004",
        "内资企业及分支机构变更登记",
        SJ,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="county",
        aliases=("公司变更", "企业变更登记", "变更法定代表人", "变更经营范围"),
        basis=[
            law("《中华人民共和国市场主体登记管理条例》", "第二十四条"),
            law("《中华人民共和国市场主体登记管理条例》", "第十九条"),
        ],
        conditions=[
            "登记事项发生变更的企业，自作出变更决议、决定或者法定变更事项发生之日起30日内申请",
            "变更事项需经批准的已取得批准文件",
        ],
        process=standard_process("登记机关形式审查", "予以变更登记，换发营业执照"),
        statutory=3,
        statutory_sourced=True,
        promised=1,
        materials=[
            BUSINESS_LICENCE,
            material("change_application", "变更登记申请书"),
            material("change_resolution", "变更决议或决定", errors=("决议未经法定表决程序",)),
        ],
        form_schema=form(
            ["credit_code", "change_items", "mobile"],
            credit_code=CREDIT_CODE,
            change_items={
                "type": "array",
                "title": "变更事项",
                "minItems": 1,
                "maxItems": 10,
                "items": {
                    "type": "string",
                    "enum": ["名称", "住所", "法定代表人", "注册资本", "经营范围", "股东"],
                },
            },
            mobile=MOBILE,
        ),
        outcome=result("certificate", "营业执照（变更）", "electronic", "mail", elicence="营业执照"),
        modes=["full_online", "proxy_intake"],
        kinds=("legal_person",),
    ),
    item(
        "KSTB-SJ-005",
        "内资企业及分支机构注销登记",
        SJ,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="county",
        aliases=("公司注销", "企业注销", "简易注销"),
        basis=[law("《中华人民共和国市场主体登记管理条例》", "第三十一条"), law("《中华人民共和国公司法》")],
        conditions=[
            "企业已依法清算完毕，或符合简易注销条件（未发生债权债务或已将债权债务清偿完结）",
            "已办结税务、海关等相关注销事项",
        ],
        process=standard_process("登记机关受理注销申请", "予以注销登记"),
        statutory=3,
        statutory_sourced=True,
        promised=1,
        commitment=True,
        materials=[
            material("deregistration_application", "注销登记申请书"),
            material("liquidation_report", "清算报告或全体投资人承诺书", errors=("清算报告未经确认",)),
            material("tax_clearance", "清税证明", required=False, elicence="清税证明"),
        ],
        form_schema=form(
            ["credit_code", "procedure", "mobile"],
            credit_code=CREDIT_CODE,
            procedure=choice("注销程序", "一般注销", "简易注销"),
            mobile=MOBILE,
        ),
        outcome=result("approval_document", "准予注销登记通知书", "electronic"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    item(
        "KSTB-SJ-006",
        "农民专业合作社设立、变更、注销登记",
        SJ,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="county",
        aliases=("合作社登记", "农民专业合作社", "专业合作社注册"),
        basis=[law("《中华人民共和国农民专业合作社法》"), law("《中华人民共和国市场主体登记管理条例》")],
        conditions=[
            "有五名以上符合规定的成员，农民至少占成员总数的百分之八十",
            "有符合规定的章程、组织机构、名称和住所",
        ],
        process=standard_process("登记机关形式审查", "予以登记，核发营业执照"),
        statutory=3,
        statutory_sourced=True,
        promised=1,
        materials=[
            material("registration_application", "农民专业合作社登记申请书"),
            material("articles", "章程"),
            material("member_list", "成员名册及成员身份证明", errors=("农民成员比例不足",)),
        ],
        form_schema=form(
            ["cooperative_name", "action", "member_count", "mobile"],
            cooperative_name=text("合作社名称"),
            action=choice("登记类型", "设立", "变更", "注销"),
            member_count=number("成员人数", maximum=100000),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "营业执照", "electronic", "mail", elicence="营业执照"),
        modes=["full_online", "proxy_intake"],
        kinds=("legal_person", "natural_person"),
    ),
    item(
        "KSTB-SJ-007",
        "特种设备作业人员资格认定",
        SJ,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="administrative_licensing",
        level="municipal",
        aliases=("特种设备作业人员证", "叉车证", "电梯证", "锅炉证", "压力容器证"),
        basis=[law("《中华人民共和国特种设备安全法》", "第十四条"), law("《特种设备作业人员监督管理办法》")],
        conditions=[
            "年满18周岁且不超过法定退休年龄",
            "考试合格（理论和实际操作）",
            "证书复审的，在有效期届满前申请",
        ],
        process=standard_process("发证机关受理", "考试合格的颁发证书"),
        statutory=20,
        statutory_sourced=False,
        promised=10,
        materials=[ID_CARD, PHOTO, material("exam_result", "考试合格证明", errors=("考试成绩超过有效期",))],
        form_schema=form(
            ["category", "application_type", "mobile"],
            category=choice(
                "作业类别", "N1叉车司机", "T电梯作业", "G锅炉作业", "R压力容器作业", "Q起重机作业"
            ),
            application_type=choice("申请类型", "取证", "复审", "补证"),
            mobile=MOBILE,
        ),
        outcome=result(
            "certificate", "特种设备安全管理和作业人员证", "electronic", elicence="特种设备作业人员证"
        ),
        modes=["full_online", "proxy_intake"],
    ),
    # 司法部（公证）
    notarial("KSTB-SF-001", "学历公证", "学历证书", BY_2020, True, "毕业证公证", "学历证明公证"),
    notarial("KSTB-SF-002", "驾驶证公证", "机动车驾驶证", BY_2020, True, "驾照公证", "机动车驾驶证公证"),
    notarial("KSTB-SF-003", "学位公证", "学位证书", BY_2020, False, "学位证公证"),
    notarial("KSTB-SF-004", "职业资格公证", "职业资格证书", BY_2020, False, "职业资格证书公证"),
    notarial("KSTB-SF-005", "专业技术职务资格公证", "专业技术职务资格证书", BY_2020, False, "职称公证"),
    notarial("KSTB-SF-006", "出生公证", "出生医学证明或户籍资料", BY_2021, False, "出生证明公证"),
    notarial("KSTB-SF-007", "无（有）犯罪记录公证", "无犯罪记录证明", BY_2021, False, "无犯罪记录公证"),
    notarial(
        "KSTB-SF-008",
        "婚姻状况公证",
        "结婚证、离婚证或婚姻登记记录证明",
        BY_2021,
        False,
        "未婚公证",
        "已婚公证",
    ),
    notarial("KSTB-SF-009", "亲属关系公证", "户口簿或亲属关系证明", BY_2021, False, "亲属关系证明公证"),
    notarial("KSTB-SF-010", "纳税状况公证", "完税证明", BY_2021, False, "完税公证", "纳税证明公证"),
    # 教育部
    item(
        "KSTB-JY-002",
        "教师资格认定",
        JY,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="administrative_licensing",
        level="county",
        aliases=("教师资格证", "教资认定", "教师证"),
        basis=[
            law("《中华人民共和国教师法》", "第十条"),
            law("《教师资格条例》"),
            law("《〈教师资格条例〉实施办法》"),
        ],
        conditions=[
            "遵守宪法和法律，热爱教育事业，具有良好的思想品德",
            "具备规定的学历，教师资格考试合格，普通话水平达到规定等级，身体条件合格",
            "可向户籍所在地、居住地或就读学校所在地的认定机构申请",
        ],
        process=standard_process("认定机构受理并审查材料", "作出是否认定的结论，颁发教师资格证书"),
        statutory=30,
        statutory_sourced=True,
        promised=15,
        commitment=True,
        materials=[
            ID_CARD,
            PHOTO,
            material("diploma", "学历证书", elicence="学历证书", errors=("学历层次低于所申请教师资格要求",)),
            material("exam_certificate", "中小学教师资格考试合格证明"),
            material("mandarin_certificate", "普通话水平测试等级证书", elicence="普通话水平测试等级证书"),
            material("health_check", "体检合格证明", errors=("体检超过有效期",)),
        ],
        form_schema=form(
            ["certificate_kind", "subject", "mobile"],
            certificate_kind=choice("资格种类", "幼儿园", "小学", "初级中学", "高级中学", "中等职业学校"),
            subject=text("任教学科", max_length=50),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "教师资格证书", "mail", "window_pickup", elicence="教师资格证书"),
        modes=["full_online", "proxy_intake"],
    ),
    item(
        "KSTB-JY-003",
        "高等教育学历信息查询核验",
        JY,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="public_service",
        level="national",
        aliases=("学历查询", "学历认证", "学信网", "毕业证查询"),
        basis=[law("《中华人民共和国高等教育法》", "第二十条")],
        conditions=["取得高等教育学历证书的本人，或经本人授权的用人单位"],
        process=on_the_spot("在线核验身份后查询"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["certificate_no"],
            certificate_no={
                "type": "string",
                "title": "学历证书编号",
                "pattern": "^[0-9]{16,18}$",
                "x-personal": "other",
            },
        ),
        outcome=result("certification", "教育部学历证书电子注册备案表"),
        modes=["full_online"],
        kinds=("natural_person", "legal_person"),
        sample=("level",),
    ),
    # 住房城乡建设部（住房公积金）
    housing_fund(
        "KSTB-ZJ-004",
        "住房公积金单位登记开户",
        article="第十四条",
        deadline=BY_2020,
        deadline_sourced=False,
        aliases=("公积金开户", "单位公积金开户", "公积金缴存登记"),
        conditions=[
            "新设立的单位自设立之日起30日内办理住房公积金缴存登记",
            "单位已取得营业执照或设立批准文件",
        ],
        process=on_the_spot("住房公积金管理中心在线或窗口受理"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[BUSINESS_LICENCE, material("bank_account", "单位银行结算账户信息")],
        form_schema=form(
            ["credit_code", "unit_name", "contribution_rate", "mobile"],
            credit_code=CREDIT_CODE,
            unit_name=text("单位名称"),
            contribution_rate={"type": "integer", "title": "缴存比例（%）", "minimum": 5, "maximum": 12},
            bank_account=text("单位银行账号", max_length=40, personal="account_number"),
            mobile=MOBILE,
        ),
        outcome=result("filing_receipt", "住房公积金单位登记回执"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    housing_fund(
        "KSTB-ZJ-005",
        "住房公积金单位及个人缴存信息变更",
        deadline=BY_2020,
        deadline_sourced=False,
        aliases=("公积金信息变更", "公积金转入转出", "公积金封存"),
        conditions=[
            "单位名称、地址、缴存比例等信息变更，或职工录用、调出、工资基数变化",
            "单位自变更之日起30日内办理",
        ],
        process=on_the_spot("住房公积金管理中心在线受理"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[BUSINESS_LICENCE, material("change_proof", "变更证明材料", required=False)],
        form_schema=form(
            ["credit_code", "change_kind", "mobile"],
            credit_code=CREDIT_CODE,
            change_kind=choice(
                "变更类型", "单位信息变更", "个人账户设立", "个人账户封存", "缴存基数调整", "缴存比例调整"
            ),
            employee_count=number("涉及职工人数", maximum=100000),
            mobile=MOBILE,
        ),
        outcome=result("filing_receipt", "住房公积金缴存信息变更回执"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    housing_fund(
        "KSTB-ZJ-006",
        "购房提取住房公积金",
        article="第二十四条",
        deadline=BY_2021,
        deadline_sourced=True,
        aliases=("公积金提取", "购房提取", "提取公积金买房"),
        conditions=["购买、建造、翻建、大修自住住房的缴存职工", "异地购房的，提供购房地的购房合同和付款凭证"],
        process=standard_process(
            "缴存地住房公积金管理中心受理", "作出准予或不准提取的决定，准予的划入本人账户"
        ),
        statutory=3,
        statutory_sourced=False,
        promised=1,
        materials=[
            ID_CARD,
            material(
                "purchase_contract", "购房合同或不动产权证书", elicence="不动产权证书", errors=("合同未备案",)
            ),
            material("payment_proof", "购房付款凭证", errors=("付款人与申请人不一致",)),
        ],
        form_schema=form(
            ["house_province", "amount_fen", "bank_account", "mobile"],
            house_province=province("购房所在地（省级行政区划代码）"),
            amount_fen={"type": "integer", "title": "提取金额（分）", "minimum": 1},
            bank_account=text("收款银行账号", max_length=40, personal="account_number"),
            mobile=MOBILE,
        ),
        outcome=result("other", "住房公积金提取到账通知"),
        modes=["full_online"],
    ),
    housing_fund(
        "KSTB-ZJ-007",
        "开具住房公积金个人住房贷款全部还清证明",
        deadline=BY_2020,
        deadline_sourced=False,
        aliases=("公积金贷款结清证明", "贷款还清证明", "结清证明"),
        conditions=["住房公积金个人住房贷款已全部还清的借款人"],
        process=on_the_spot("在线核验后出具"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(["loan_contract_number"], loan_contract_number=text("借款合同编号", max_length=40)),
        outcome=result("certification", "住房公积金个人住房贷款全部还清证明"),
        modes=["full_online"],
    ),
    housing_fund(
        "KSTB-ZJ-008",
        "提前还清住房公积金贷款",
        deadline=BY_2020,
        deadline_sourced=False,
        aliases=("公积金贷款提前还款", "提前还贷", "公积金贷款结清"),
        conditions=[
            "住房公积金个人住房贷款借款人，贷款未逾期或已结清逾期款项",
            "还款账户余额足以一次性还清贷款本息",
        ],
        process=standard_process("贷款发放地住房公积金管理中心受理", "扣款结清并解除抵押通知"),
        statutory=3,
        statutory_sourced=False,
        promised=1,
        materials=[ID_CARD],
        form_schema=form(
            ["loan_contract_number", "repayment_account", "mobile"],
            loan_contract_number=text("借款合同编号", max_length=40),
            repayment_account=text("还款银行账号", max_length=40, personal="account_number"),
            mobile=MOBILE,
        ),
        outcome=result("other", "住房公积金贷款结清通知"),
        modes=["full_online"],
    ),
    housing_fund(
        "KSTB-ZJ-009",
        "住房公积金汇缴",
        article="第十九条",
        deadline=BY_2021,
        deadline_sourced=False,
        aliases=("公积金汇缴", "公积金缴存", "单位缴存公积金"),
        conditions=["已办理住房公积金缴存登记的单位，按月汇缴本单位职工住房公积金"],
        process=on_the_spot("在线提交汇缴清册"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["credit_code", "month", "employee_count", "amount_fen"],
            credit_code=CREDIT_CODE,
            month={"type": "string", "title": "汇缴年月", "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])$"},
            employee_count=number("汇缴人数", maximum=100000),
            amount_fen={"type": "integer", "title": "汇缴金额（分）", "minimum": 1},
        ),
        outcome=result("filing_receipt", "住房公积金汇缴回执"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    housing_fund(
        "KSTB-ZJ-010",
        "住房公积金补缴",
        deadline=BY_2021,
        deadline_sourced=False,
        aliases=("公积金补缴", "补缴公积金"),
        conditions=["单位少缴、漏缴或未缴住房公积金，为职工补缴", "补缴须有工资发放或劳动关系证明"],
        process=standard_process("住房公积金管理中心受理补缴申请", "核定补缴金额并入账"),
        statutory=5,
        statutory_sourced=False,
        promised=2,
        materials=[
            BUSINESS_LICENCE,
            material(
                "payroll_proof", "补缴期间工资发放或劳动关系证明", errors=("补缴期间与劳动合同期间不符",)
            ),
        ],
        form_schema=form(
            ["credit_code", "period_from", "period_to", "amount_fen"],
            credit_code=CREDIT_CODE,
            period_from={"type": "string", "title": "补缴起始年月", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
            period_to={"type": "string", "title": "补缴截止年月", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
            amount_fen={"type": "integer", "title": "补缴金额（分）", "minimum": 1},
        ),
        outcome=result("filing_receipt", "住房公积金补缴回执"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    # 国家医保局
    item(
        "KSTB-YB-003",
        "基本医疗保险关系转移接续",
        YB,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("医保转移", "医保关系转移", "医保接续"),
        basis=[law(SOCIAL_INSURANCE_LAW, "第三十二条")],
        conditions=[
            "参加职工基本医疗保险或城乡居民基本医疗保险的人员跨统筹地区流动",
            "转出地已办理中止参保，转入地已参保",
        ],
        process=standard_process(
            "转入地医疗保障经办机构受理", "转出地出具参保凭证，转入地接续并累计缴费年限"
        ),
        statutory=45,
        statutory_sourced=False,
        promised=15,
        materials=[ID_CARD],
        form_schema=form(
            ["from_province", "insurance_type", "mobile"],
            from_province=province("转出地（省级行政区划代码）"),
            insurance_type=choice("险种", "职工基本医疗保险", "城乡居民基本医疗保险"),
            mobile=MOBILE,
        ),
        outcome=result("other", "基本医疗保险关系转移接续完成告知"),
        modes=["full_online"],
    ),
    item(
        "KSTB-YB-004",
        "基本医疗保险参保信息查询",
        YB,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("医保参保查询", "医保缴费记录", "医保参保凭证"),
        basis=[law(SOCIAL_INSURANCE_LAW, "第七十四条"), law("《医疗保障基金使用监督管理条例》")],
        conditions=["参加基本医疗保险的本人"],
        process=on_the_spot("在线核验身份后查询"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["period_from", "period_to"], period_from=day("查询起始日期"), period_to=day("查询截止日期")
        ),
        outcome=result("certification", "基本医疗保险参保凭证"),
        modes=["full_online"],
        sample=("level",),
    ),
    item(
        "KSTB-YB-005",
        "门诊慢特病相关治疗费用跨省直接结算",
        YB,
        listed=LIST_2022,
        deadline=BY_2022,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("慢特病跨省结算", "门诊慢特病", "慢性病异地结算", "高血压糖尿病异地结算"),
        basis=[law(SOCIAL_INSURANCE_LAW, "第二十九条")],
        conditions=[
            "已办理跨省异地就医备案的参保人员",
            "经参保地认定患有门诊慢特病（如高血压、糖尿病、恶性肿瘤门诊放化疗、尿毒症透析、器官移植术后抗排异治疗）",
        ],
        process=on_the_spot("就医地定点医药机构直接结算"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[material("disease_certificate", "门诊慢特病认定证明", elicence="医保电子凭证")],
        form_schema=form(
            ["insured_province", "disease", "hospital"],
            insured_province=province("参保地（省级行政区划代码）"),
            disease=choice(
                "病种", "高血压", "糖尿病", "恶性肿瘤门诊放化疗", "尿毒症透析", "器官移植术后抗排异治疗"
            ),
            hospital=text("就医地定点医疗机构"),
        ),
        outcome=result("other", "门诊慢特病费用结算单", "electronic"),
        modes=["full_online"],
        sample=("batch",),
    ),
    # 国家卫生健康委
    item(
        "KSTB-WJ-001",
        "医师执业注册",
        WJ,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="administrative_licensing",
        level="county",
        aliases=("医师注册", "医师执业证", "医师变更注册", "多点执业"),
        basis=[law("《中华人民共和国医师法》", "第十三条"), law("《医师执业注册管理办法》")],
        conditions=[
            "取得医师资格",
            "拟执业的医疗、预防、保健机构已同意聘用",
            "变更执业地点的，向拟执业地注册主管部门申请变更注册",
        ],
        process=standard_process("注册主管部门受理", "准予注册的发给医师执业证书（电子证照）"),
        statutory=20,
        statutory_sourced=True,
        promised=5,
        materials=[
            ID_CARD,
            material("qualification_certificate", "医师资格证书", elicence="医师资格证书"),
            material("health_check", "医疗机构出具的健康体检证明", errors=("体检超过六个月",)),
            material("employment_letter", "拟执业机构聘用证明"),
        ],
        form_schema=form(
            ["application_type", "institution", "practice_category", "mobile"],
            application_type=choice("注册类型", "首次注册", "变更注册", "重新注册"),
            institution=text("执业机构名称"),
            practice_category=choice("执业类别", "临床", "中医", "口腔", "公共卫生"),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "医师执业证书", "electronic", elicence="医师电子注册证"),
        modes=["full_online"],
    ),
    item(
        "KSTB-WJ-002",
        "护士执业注册",
        WJ,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="administrative_licensing",
        level="county",
        aliases=("护士注册", "护士执业证", "护士变更注册"),
        basis=[law("《护士条例》", "第八条"), law("《护士执业注册管理办法》")],
        conditions=[
            "取得护士执业资格考试合格证明",
            "在中等职业学校、高等学校完成规定的护理专业学习并取得学历证书",
            "符合健康标准",
        ],
        process=standard_process("注册主管部门受理", "准予注册的发给护士执业证书（电子证照）"),
        statutory=20,
        statutory_sourced=True,
        promised=5,
        materials=[
            ID_CARD,
            material("exam_certificate", "护士执业资格考试成绩合格证明"),
            material("diploma", "护理专业学历证书", elicence="学历证书"),
            material("health_check", "健康体检证明", errors=("体检超过六个月",)),
        ],
        form_schema=form(
            ["application_type", "institution", "mobile"],
            application_type=choice("注册类型", "首次注册", "变更注册", "延续注册"),
            institution=text("执业机构名称"),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "护士执业证书", "electronic", elicence="护士电子注册证"),
        modes=["full_online"],
    ),
    # 民政部
    item(
        "KSTB-MZ-001",
        "内地居民结婚登记",
        MZ,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="administrative_confirmation",
        level="county",
        aliases=("结婚登记", "领结婚证", "婚姻登记"),
        basis=[law("《中华人民共和国民法典》", "第一千零四十九条"), law("《婚姻登记条例》", "第四条")],
        conditions=[
            "男女双方完全自愿，达到法定婚龄，均无配偶",
            "双方共同到婚姻登记机关办理；跨省通办的可在一方经常居住地登记",
        ],
        process=[
            step("accept", "受理", "婚姻登记机关核验双方身份、户口簿或居住证"),
            step("review", "审查", "询问双方结婚意愿"),
            step("decide", "登记", "符合条件的当场登记，发给结婚证"),
        ],
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        assurance="face",
        materials=[
            ID_CARD,
            HOUSEHOLD,
            material("residence_permit", "居住证（在经常居住地登记的）", required=False, elicence="居住证"),
            material("photo", "双方近期半身免冠合影照片", errors=("合影背景不是红色",)),
        ],
        form_schema=form(
            ["spouse_name", "spouse_id_number", "registration_office", "appointment_date"],
            spouse_name=text("另一方姓名", max_length=50, personal="name"),
            spouse_id_number={
                "type": "string",
                "title": "另一方公民身份号码",
                "pattern": "^[0-9]{17}[0-9X]$",
                "x-personal": "id_number",
            },
            registration_office=text("预约登记机关"),
            appointment_date=day("预约登记日期"),
        ),
        outcome=result("certificate", "结婚证", "window_pickup", elicence="结婚证"),
        modes=["proxy_intake"],
        sample=("batch", "modes"),
    ),
    # 交通运输部
    driver_qualification(
        "KSTB-JT-001",
        "补发",
        ["道路运输从业人员从业资格证遗失或损毁的持证人", "可在全国任一道路运输管理机构或在线申请"],
        "从业资格证补办",
    ),
    driver_qualification(
        "KSTB-JT-002",
        "换发",
        ["从业资格证有效期届满前30日内的持证人，诚信考核合格", "可在全国任一道路运输管理机构或在线申请"],
        "从业资格证换证",
    ),
    driver_qualification(
        "KSTB-JT-003",
        "变更",
        ["持证人姓名、身份证号等信息发生变化，或服务单位变更", "可在全国任一道路运输管理机构或在线申请"],
        "从业资格证变更",
    ),
    driver_qualification(
        "KSTB-JT-004",
        "注销",
        ["持证人申请注销，或身体健康状况等不再适应从业要求", "可在全国任一道路运输管理机构或在线申请"],
        "从业资格证注销",
    ),
    item(
        "KSTB-JT-005",
        "道路运输驾驶员诚信考核",
        JT,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("货车司机年审", "从业资格证年审", "诚信考核", "驾驶员年审"),
        basis=[law("《道路运输从业人员管理规定》"), law("《道路运输驾驶员诚信考核办法》")],
        conditions=[
            "持有道路旅客或货物运输驾驶员从业资格证的人员，每个考核周期届满前申请",
            "可在全国任一道路运输管理机构或在线申请",
        ],
        process=on_the_spot("在线或窗口受理，核对考核周期内的违法和事故记录"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["certificate_no", "mobile"],
            certificate_no=text("从业资格证号", max_length=30, personal="other"),
            mobile=MOBILE,
        ),
        outcome=result("other", "诚信考核等级签注", "electronic"),
        modes=["full_online"],
    ),
    item(
        "KSTB-JT-006",
        "道路运输车辆年度审验",
        JT,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="municipal",
        aliases=("营运车辆年审", "道路运输证年审", "三检合一"),
        basis=[law("《中华人民共和国道路运输条例》"), law("《道路货物运输及站场管理规定》")],
        conditions=["持有道路运输证的营运车辆，经综合性能检测合格", "可在车辆所在地异地申请"],
        process=on_the_spot("核对检验检测报告并签注审验结果"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[material("performance_report", "车辆综合性能检测报告", errors=("检测报告超过有效期",))],
        form_schema=form(
            ["plate_number", "transport_certificate_number"],
            plate_number=text("车辆号牌", max_length=10),
            transport_certificate_number=text("道路运输证号", max_length=30),
        ),
        outcome=result("other", "道路运输证年度审验签注", "electronic"),
        modes=["full_online"],
        kinds=("legal_person", "natural_person"),
    ),
    # 生态环境部
    item(
        "KSTB-HJ-001",
        "排污许可",
        HJ,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=True,
        item_type="administrative_licensing",
        level="municipal",
        aliases=("排污许可证", "排污证", "排污登记"),
        basis=[law("《中华人民共和国环境保护法》", "第四十五条"), law("《排污许可管理条例》", "第十三条")],
        conditions=[
            "依法纳入排污许可管理的企业事业单位和其他生产经营者",
            "污染防治设施、排放浓度和排放量符合国家规定",
        ],
        process=[
            step("accept", "受理", "审批部门受理排污许可申请"),
            step("review", "技术审查"),
            step("site_inspection", "现场核查", "必要时组织现场核查"),
            step("decide", "决定", "符合条件的颁发排污许可证"),
        ],
        statutory=30,
        statutory_sourced=True,
        promised=15,
        commitment=True,
        materials=[
            material("permit_application", "排污许可证申请表"),
            material("commitment_letter", "守法承诺书", errors=("未由法定代表人签字",)),
            material("eia_approval", "环境影响评价审批文件或登记表", required=False),
        ],
        form_schema=form(
            ["credit_code", "industry", "management_level", "mobile"],
            credit_code=CREDIT_CODE,
            industry=text("行业类别", max_length=50),
            management_level=choice("管理类别", "重点管理", "简化管理"),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "排污许可证", "electronic", elicence="排污许可证"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    # 自然资源部
    item(
        "KSTB-ZR-001",
        "不动产抵押登记",
        ZR,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=True,
        item_type="administrative_confirmation",
        level="county",
        aliases=("抵押登记", "房产抵押", "不动产抵押"),
        basis=[law("《中华人民共和国民法典》", "第四百零二条"), law("《不动产登记暂行条例》", "第二十条")],
        conditions=["以不动产设定抵押的抵押人和抵押权人共同申请", "不动产已办理首次登记且无查封等限制"],
        process=standard_process("不动产所在地不动产登记机构受理，可异地代收", "登簿并发放不动产登记证明"),
        statutory=30,
        statutory_sourced=True,
        promised=5,
        materials=[
            ID_CARD,
            material("property_certificate", "不动产权证书", original=True, elicence="不动产权证书"),
            material("mortgage_contract", "抵押合同及主债权合同", errors=("抵押物描述与权属证书不一致",)),
        ],
        form_schema=form(
            ["property_location", "mortgagee", "secured_amount_fen", "mobile"],
            property_location=text("不动产坐落", max_length=200, personal="address"),
            mortgagee=text("抵押权人"),
            secured_amount_fen={"type": "integer", "title": "被担保主债权数额（分）", "minimum": 1},
            mobile=MOBILE,
        ),
        outcome=result("certification", "不动产登记证明", "electronic", "mail", elicence="不动产登记证明"),
        modes=["proxy_intake"],
        kinds=("natural_person", "legal_person"),
    ),
    item(
        "KSTB-ZR-002",
        "不动产登记资料查询",
        ZR,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("房产查询", "不动产查询", "查房产", "无房证明"),
        basis=[law("《不动产登记暂行条例》", "第二十七条"), law("《不动产登记资料查询暂行办法》")],
        conditions=["权利人、利害关系人，或有关国家机关依法查询", "查询结果仅用于申请的用途"],
        process=on_the_spot("在线核验身份后查询"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[],
        form_schema=form(
            ["query_kind", "purpose"],
            query_kind=choice("查询类型", "本人名下不动产", "指定不动产登记结果"),
            property_location=text("不动产坐落", max_length=200, personal="address"),
            purpose=text("查询目的"),
        ),
        outcome=result("certification", "不动产登记信息查询结果证明"),
        modes=["full_online"],
        kinds=("natural_person", "legal_person"),
    ),
    # 中国残联
    item(
        "KSTB-CL-001",
        "残疾人证新办",
        CL,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("办残疾证", "残疾人证", "残疾证"),
        basis=[law("《中华人民共和国残疾人保障法》"), law("《中华人民共和国残疾人证管理办法》")],
        conditions=["符合残疾标准的中国公民，可在户籍地或居住地申请", "经指定医疗机构残疾评定"],
        process=[
            step("accept", "受理"),
            step("expert_review", "残疾评定", "指定医疗机构评定残疾类别和等级"),
            step("review", "审核"),
            step("decide", "核发"),
        ],
        statutory=20,
        statutory_sourced=False,
        promised=10,
        materials=[ID_CARD, HOUSEHOLD, PHOTO, material("assessment", "残疾评定表")],
        form_schema=form(
            ["disability_type", "mailing_address", "mobile"],
            disability_type=choice("残疾类别", "视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
            guardian_name=text("监护人或代办人姓名", max_length=50, personal="name"),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        outcome=result("certificate", "中华人民共和国残疾人证", "mail", "window_pickup", elicence="残疾人证"),
        modes=["proxy_intake"],
    ),
    item(
        "KSTB-CL-002",
        "残疾人证迁移",
        CL,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("残疾证迁移", "残疾人证迁出迁入"),
        basis=[law("《中华人民共和国残疾人证管理办法》")],
        conditions=["持证人户籍跨省迁移", "由迁入地残联受理，迁出地不再要求到场"],
        process=standard_process("迁入地残联受理", "迁出地迁出，迁入地换发残疾人证"),
        statutory=20,
        statutory_sourced=False,
        promised=10,
        materials=[
            ID_CARD,
            HOUSEHOLD,
            material("disability_certificate", "原残疾人证", original=True, elicence="残疾人证"),
        ],
        form_schema=form(
            ["from_province", "mailing_address", "mobile"],
            from_province=province("迁出地（省级行政区划代码）"),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        outcome=result("certificate", "中华人民共和国残疾人证", "mail", "window_pickup", elicence="残疾人证"),
        modes=["full_online", "proxy_intake"],
    ),
    item(
        "KSTB-CL-003",
        "残疾人证换领、补办",
        CL,
        listed=LIST_2020,
        deadline=BY_2021,
        deadline_sourced=False,
        item_type="public_service",
        level="county",
        aliases=("残疾证换证", "残疾证补办", "第三代残疾人证"),
        basis=[law("《中华人民共和国残疾人证管理办法》")],
        conditions=["残疾人证有效期满、损毁或遗失的持证人", "有效期满需重新评定的，先行评定"],
        process=standard_process("户籍地或居住地残联受理", "换发或补发残疾人证"),
        statutory=20,
        statutory_sourced=False,
        promised=10,
        materials=[ID_CARD, PHOTO],
        form_schema=form(
            ["reason", "mailing_address", "mobile"],
            reason=choice("申请原因", "有效期满", "损毁", "遗失", "信息变更"),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        outcome=result("certificate", "中华人民共和国残疾人证", "mail", "window_pickup", elicence="残疾人证"),
        modes=["full_online", "proxy_intake"],
    ),
    # 国家药监局
    item(
        "KSTB-YJ-001",
        "执业药师注册",
        YJ,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="administrative_licensing",
        level="provincial",
        aliases=("药师注册", "执业药师", "药师变更注册"),
        basis=[law("《中华人民共和国药品管理法》"), law("《执业药师注册管理办法》")],
        conditions=["取得执业药师职业资格证书，遵纪守法，身体健康", "经执业单位同意，在一个执业单位注册"],
        process=standard_process("省级药品监督管理部门受理", "准予注册的发给执业药师注册证（电子证书）"),
        statutory=20,
        statutory_sourced=False,
        promised=5,
        materials=[
            material("qualification_certificate", "执业药师职业资格证书", elicence="执业药师职业资格证书"),
            material("employment_proof", "执业单位开业证明及聘用证明"),
            material("continuing_education", "继续教育学分证明", required=False),
        ],
        form_schema=form(
            ["application_type", "employer", "practice_scope", "mobile"],
            application_type=choice("注册类型", "首次注册", "变更注册", "延续注册"),
            employer=text("执业单位"),
            practice_scope=choice("执业范围", "药学", "中药学", "药学与中药学"),
            mobile=MOBILE,
        ),
        outcome=result("certificate", "执业药师注册证", "electronic", elicence="执业药师注册证"),
        modes=["full_online"],
    ),
    # 海关总署
    item(
        "KSTB-HG-001",
        "报关单位备案",
        HG,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="administrative_filing",
        level="municipal",
        aliases=("进出口收发货人备案", "海关备案", "报关企业备案", "海关注册"),
        basis=[
            law("《中华人民共和国海关法》", "第十一条"),
            law("《中华人民共和国海关报关单位备案管理规定》"),
        ],
        conditions=[
            "进出口货物收发货人或报关企业，已取得营业执照",
            "可在任一直属海关或在线（中国国际贸易单一窗口）办理",
        ],
        process=on_the_spot("所在地海关在线受理并备案"),
        statutory=0,
        statutory_sourced=False,
        promised=0,
        immediate=True,
        materials=[BUSINESS_LICENCE, material("filing_form", "报关单位备案信息表")],
        form_schema=form(
            ["credit_code", "filing_kind", "customs_office", "mobile"],
            credit_code=CREDIT_CODE,
            filing_kind=choice("备案类别", "进出口货物收发货人", "报关企业"),
            customs_office=text("所在地海关", max_length=50),
            mobile=MOBILE,
        ),
        outcome=result("filing_receipt", "报关单位备案证明", "electronic"),
        modes=["full_online"],
        kinds=("legal_person",),
    ),
    # 公安部（居民身份证）
    item(
        "KSTB-GA-013",
        "居民身份证换领、补领",
        GA,
        listed=LIST_2020,
        deadline=BY_2020,
        deadline_sourced=False,
        item_type="administrative_confirmation",
        level="county",
        aliases=("身份证换领", "身份证补办", "身份证到期换证", "异地补办身份证"),
        basis=[law("《中华人民共和国居民身份证法》", "第十一条")],
        conditions=["居民身份证有效期满、证件损坏或遗失的中国公民", "可在全国任一县级公安机关申请"],
        process=[
            step("accept", "受理", "居住地公安机关核验身份、采集指纹和照片"),
            step("review", "户籍地审核"),
            step("decide", "签发"),
            step("deliver", "送达", "邮寄送达或窗口领取"),
        ],
        statutory=60,
        statutory_sourced=False,
        promised=20,
        fees=[{"name": "居民身份证工本费", "amount_fen": 2000, "basis": "居民身份证工本费标准"}],
        materials=[PHOTO, material("old_id_card", "原居民身份证（换领的）", required=False, original=True)],
        form_schema=form(
            ["reason", "delivery", "mobile"],
            reason=choice("申请原因", "有效期满换领", "损坏换领", "遗失补领", "信息变更换领"),
            delivery=choice("领取方式", "邮寄", "窗口领取"),
            mailing_address=ADDRESS,
            mobile=MOBILE,
        ),
        outcome=result(
            "certificate", "中华人民共和国居民身份证", "mail", "window_pickup", elicence="居民身份证"
        ),
        modes=["proxy_intake"],
        sample=("batch",),
    ),
]


# — the existing seed items: their batch and source (the rest of each stays as written) —

EXISTING: dict[str, tuple[dict[str, str], str, bool]] = {
    # code: (list, deadline batch, deadline sourced)
    "KSTB-RS-001": (LIST_2020, BY_2020, True),
    "KSTB-RS-002": (LIST_2020, BY_2021, True),
    "KSTB-RS-003": (LIST_2020, BY_2021, False),
    "KSTB-RS-004": (LIST_2020, BY_2020, True),
    "KSTB-RS-005": (LIST_2020, BY_2021, False),
    "KSTB-RS-006": (LIST_2020, BY_2020, True),
    "KSTB-GA-001": (LIST_2020, BY_2021, True),
    "KSTB-GA-002": (LIST_2022, BY_2022, False),
    "KSTB-GA-003": (LIST_2020, BY_2020, False),
    "KSTB-GA-004": (LIST_2020, BY_2020, False),
    "KSTB-YB-001": (LIST_2020, BY_2021, True),
    "KSTB-YB-002": (LIST_2020, BY_2021, True),
    "KSTB-ZJ-001": (LIST_2020, BY_2021, True),
    "KSTB-ZJ-002": (LIST_2020, BY_2020, False),
    "KSTB-ZJ-003": (LIST_2020, BY_2020, True),
    "KSTB-SJ-001": (LIST_2020, BY_2020, False),
    "KSTB-SJ-002": (LIST_2020, BY_2020, True),
    "KSTB-JY-001": (LIST_2020, BY_2020, False),
}
# Not confirmed on a published list at all: the whole batch is sample data.
EXISTING_UNLISTED = frozenset({"KSTB-GA-002"})


def with_batch(existing: dict[str, Any]) -> dict[str, Any]:
    """An item of the original seed with its batch and source added (and marked where unsourced)."""
    code = existing["code"]
    if code not in EXISTING:
        return existing
    listed, deadline, sourced = EXISTING[code]
    out = {k: v for k, v in existing.items() if k not in ("batch", "source", "sample_fields")}
    marks = [m for m in existing.get("sample_fields", []) if not m.startswith(("batch", "source"))]
    if code in EXISTING_UNLISTED:
        marks.append("batch")
    elif not sourced:
        marks.append("batch.deadline")
    out["batch"] = {"document": listed["document"], "deadline": deadline}
    out["source"] = dict(listed)
    out["sample_fields"] = marks
    return out


def development_catalog(current: dict[str, Any]) -> dict[str, Any]:
    """The development catalog file's content: its items, each with its batch and source."""
    return {**current, "items": [with_batch(entry) for entry in current["items"]]}


def national_catalog() -> dict[str, Any]:
    """The national list file's content."""
    return {"notice": NOTICE, "items": ITEMS}


def _write(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    current = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    _write(CATALOG_FILE, development_catalog(current))
    _write(NATIONAL_FILE, national_catalog())


if __name__ == "__main__":
    main()
