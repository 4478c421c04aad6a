"""The case state machine (办件状态): states, acts, who may perform each act and where it leads.

Pure data and two functions, free of pydantic, so that the table is the one place a reader looks
to learn what may happen to a case. Guards that depend on the case's data (e.g. an immediate item,
outstanding 容缺 materials) live with the acts in `chalicelib.domain.case_acts`.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.errors import Conflict

RESULT_SLOT = "result"  # the slot of the result documents a clerk uploads


class CaseState(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交，待预审
    PRE_REVIEW_RETURNED = "pre_review_returned"  # 预审退回
    PRE_REVIEW_PASSED = "pre_review_passed"  # 预审通过，待受理
    ACCEPTED = "accepted"  # 已受理
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补正中 (一次性告知)
    SUPPLEMENTED = "supplemented"  # 已补正
    UNDER_REVIEW = "under_review"  # 审核中
    SUSPENDED = "suspended"  # 特别程序中 (现场踏勘/专家论证/听证)
    APPROVED = "approved"  # 准予许可 / 办结
    DENIED = "denied"  # 不予许可
    RESULT_ISSUED = "result_issued"  # 已出证
    DELIVERED = "delivered"  # 已送达
    WITHDRAWN = "withdrawn"  # 已撤回
    CLOSED = "closed"  # 已办结归档
    DISCARDED = "discarded"  # 草稿已删除: a draft the applicant gave up, never submitted


class Act(StrEnum):
    SUBMIT = "submit"  # 提交申请
    PASS_PRE_REVIEW = "pass_pre_review"  # noqa: S105 — 预审通过
    RETURN_PRE_REVIEW = "return_pre_review"  # 预审退回
    ACCEPT = "accept"  # 受理 (容缺受理 when materials are deferred)
    REFUSE = "refuse"  # 不予受理
    REQUEST_SUPPLEMENT = "request_supplement"  # 补正 (一次性告知)
    ANSWER_SUPPLEMENT = "answer_supplement"  # 提交补正材料
    START_REVIEW = "start_review"  # 审核
    SUSPEND = "suspend"  # 进入特别程序
    RESUME = "resume"  # 特别程序结束
    DECIDE = "decide"  # 作出决定 (准予/不予; 告知承诺制)
    ACCEPT_AND_DECIDE = "accept_and_decide"  # 即办件: 当场受理并办结
    ISSUE_RESULT = "issue_result"  # 出证 (电子文书 / 电子证照 / 邮寄)
    DELIVER = "deliver"  # 送达 (签收、下载)
    WITHDRAW = "withdraw"  # 撤回申请
    CLOSE = "close"  # 办结归档
    CANCEL = "cancel"  # 联办撤销: a joint case's part undone because another part was refused
    DISCARD = "discard"  # 删除草稿: the applicant gives up a draft


class Actor(StrEnum):
    APPLICANT = "applicant"
    CLERK = "clerk"  # the handling authority's clerk
    GATEWAY = "gateway"  # the gateway itself (e.g. delivery on first download)


S, A = CaseState, Act
# (state, act) → next state. A DECIDE lands in APPROVED or DENIED; the table names the approved
# branch and `decision_state` picks the other.
TRANSITIONS: dict[tuple[CaseState, Act], CaseState] = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.DRAFT, A.DISCARD): S.DISCARDED,
    (S.PRE_REVIEW_RETURNED, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.PASS_PRE_REVIEW): S.PRE_REVIEW_PASSED,
    (S.SUBMITTED, A.RETURN_PRE_REVIEW): S.PRE_REVIEW_RETURNED,
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.REFUSE): S.NOT_ACCEPTED,
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.SUBMITTED, A.ACCEPT_AND_DECIDE): S.APPROVED,
    (S.PRE_REVIEW_PASSED, A.ACCEPT): S.ACCEPTED,
    (S.PRE_REVIEW_PASSED, A.REFUSE): S.NOT_ACCEPTED,
    (S.PRE_REVIEW_PASSED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.PRE_REVIEW_PASSED, A.ACCEPT_AND_DECIDE): S.APPROVED,
    (S.SUPPLEMENT_REQUESTED, A.ANSWER_SUPPLEMENT): S.SUPPLEMENTED,
    (S.SUPPLEMENTED, A.ACCEPT): S.ACCEPTED,
    (S.SUPPLEMENTED, A.REFUSE): S.NOT_ACCEPTED,
    (S.SUPPLEMENTED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.SUPPLEMENTED, A.START_REVIEW): S.UNDER_REVIEW,
    (S.SUPPLEMENTED, A.ACCEPT_AND_DECIDE): S.APPROVED,
    (S.ACCEPTED, A.START_REVIEW): S.UNDER_REVIEW,
    (S.ACCEPTED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.ACCEPTED, A.DECIDE): S.APPROVED,
    (S.UNDER_REVIEW, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.UNDER_REVIEW, A.SUSPEND): S.SUSPENDED,
    (S.UNDER_REVIEW, A.DECIDE): S.APPROVED,
    (S.SUSPENDED, A.RESUME): S.UNDER_REVIEW,
    (S.APPROVED, A.ISSUE_RESULT): S.RESULT_ISSUED,
    (S.DENIED, A.ISSUE_RESULT): S.RESULT_ISSUED,
    (S.RESULT_ISSUED, A.DELIVER): S.DELIVERED,
    (S.DELIVERED, A.CLOSE): S.CLOSED,
    (S.NOT_ACCEPTED, A.CLOSE): S.CLOSED,
    (S.WITHDRAWN, A.CLOSE): S.CLOSED,
    # 多地联办 compensation: a part already decided is undone when another part is refused
    (S.APPROVED, A.CANCEL): S.CLOSED,
    (S.RESULT_ISSUED, A.CANCEL): S.CLOSED,
    (S.DELIVERED, A.CANCEL): S.CLOSED,
}
# 撤回: the applicant may withdraw at any point before a decision.
BEFORE_DECISION = (
    S.SUBMITTED,
    S.PRE_REVIEW_RETURNED,
    S.PRE_REVIEW_PASSED,
    S.ACCEPTED,
    S.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENTED,
    S.UNDER_REVIEW,
    S.SUSPENDED,
)
TRANSITIONS.update({(state, A.WITHDRAW): S.WITHDRAWN for state in BEFORE_DECISION})

WHO: dict[Act, Actor] = {
    A.SUBMIT: Actor.APPLICANT,
    A.ANSWER_SUPPLEMENT: Actor.APPLICANT,
    A.WITHDRAW: Actor.APPLICANT,
    A.DISCARD: Actor.APPLICANT,
    A.DELIVER: Actor.GATEWAY,  # or the clerk, for mail and window pick-up
}

DECIDED = frozenset({S.APPROVED, S.DENIED, S.RESULT_ISSUED, S.DELIVERED})
FINAL = frozenset({S.NOT_ACCEPTED, S.WITHDRAWN, S.CLOSED, S.DISCARDED})
# States after which the applicant may rate the handling (好差评).
RATEABLE = frozenset({S.NOT_ACCEPTED, S.DENIED, S.APPROVED, S.RESULT_ISSUED, S.DELIVERED, S.CLOSED})
# States in which the applicant may still change form data and materials.
EDITABLE = frozenset({S.DRAFT, S.PRE_REVIEW_RETURNED, S.SUPPLEMENT_REQUESTED})


def performer_of(act: Act) -> Actor:
    """Who performs `act` (`WHO`, the clerk unless listed): the party of the act, not a principal."""
    return WHO.get(act, Actor.CLERK)


def may_perform(actor: Actor, act: Act) -> bool:
    """Whether `actor` may perform `act`: its performer, or the clerk recording a delivery (送达 by
    mail or window pick-up) the gateway would otherwise record."""
    return performer_of(act) is actor or (act is A.DELIVER and actor is Actor.CLERK)


def allowed_acts(state: CaseState, actor: Actor | None = None) -> list[Act]:
    """The acts the state allows, in declaration order; only `actor`'s if given."""
    acts = [act for (origin, act) in TRANSITIONS if origin is state]
    if actor is not None:
        acts = [act for act in acts if may_perform(actor, act)]
    return list(dict.fromkeys(acts))


def next_state(state: CaseState, act: Act, *, approved: bool = True) -> CaseState:
    """Where `act` leads from `state`; an illegal transition is a 409 naming what is allowed."""
    target = TRANSITIONS.get((state, act))
    if target is None:
        raise Conflict(
            "illegal_transition",
            state=state.value,
            act=act.value,
            allowed_acts=[a.value for a in allowed_acts(state)],
        )
    if target is S.APPROVED and not approved:
        return S.DENIED
    return target


# Plain words for small screens: what the state means and what happens next (PLAIN_EN in English).
PLAIN: dict[CaseState, tuple[str, str]] = {
    S.DRAFT: ("草稿，尚未提交", "填写表单、上传材料后提交"),
    S.SUBMITTED: ("已提交，等待预审", "等待工作人员预审"),
    S.PRE_REVIEW_RETURNED: ("预审退回，请修改", "按退回意见修改后重新提交"),
    S.PRE_REVIEW_PASSED: ("预审通过，等待受理", "等待审批机关受理"),
    S.ACCEPTED: ("已受理", "等待审核"),
    S.NOT_ACCEPTED: ("不予受理", "查看不予受理理由和依据"),
    S.SUPPLEMENT_REQUESTED: ("需要补正材料", "按一次性告知清单补正"),
    S.SUPPLEMENTED: ("已补正，等待处理", "等待审批机关处理补正材料"),
    S.UNDER_REVIEW: ("审核中", "等待审批决定"),
    S.SUSPENDED: ("特别程序中，时限暂停", "等待特别程序结束"),
    S.APPROVED: ("已准予，等待出证", "等待出具办理结果"),
    S.DENIED: ("不予许可", "查看决定理由，等待决定书"),
    S.RESULT_ISSUED: ("已出证", "下载或签收办理结果"),
    S.DELIVERED: ("已送达", "评价本次办理"),
    S.WITHDRAWN: ("已撤回", "无需操作"),
    S.CLOSED: ("已办结", "无需操作"),
    S.DISCARDED: ("草稿已删除", "无需操作"),
}
PLAIN_EN: dict[CaseState, tuple[str, str]] = {
    S.DRAFT: ("Draft, not submitted yet", "Fill in the form, upload the materials, then submit"),
    S.SUBMITTED: ("Submitted, awaiting pre-review", "A clerk will pre-review the application"),
    S.PRE_REVIEW_RETURNED: ("Returned at pre-review", "Correct what the clerk noted and submit again"),
    S.PRE_REVIEW_PASSED: ("Passed pre-review, awaiting acceptance", "The authority will accept the case"),
    S.ACCEPTED: ("Accepted", "Awaiting review"),
    S.NOT_ACCEPTED: ("Not accepted", "Read the reason and its legal basis"),
    S.SUPPLEMENT_REQUESTED: ("Materials to supplement", "Supply everything on the one-time list"),
    S.SUPPLEMENTED: ("Supplemented, awaiting the authority", "The authority will handle what you supplied"),
    S.UNDER_REVIEW: ("Under review", "Awaiting the decision"),
    S.SUSPENDED: ("In a special procedure, the time limit is paused", "Awaiting the end of the procedure"),
    S.APPROVED: ("Approved, result being prepared", "Awaiting the result"),
    S.DENIED: ("Denied", "Read the reasons; the written decision follows"),
    S.RESULT_ISSUED: ("Result issued", "Download or sign for the result"),
    S.DELIVERED: ("Delivered", "Rate the handling"),
    S.WITHDRAWN: ("Withdrawn", "Nothing to do"),
    S.CLOSED: ("Closed", "Nothing to do"),
    S.DISCARDED: ("Draft discarded", "Nothing to do"),
}


def plain(state: CaseState, lang: str) -> tuple[str, str]:
    """What `state` means and what happens next, in Chinese or (lang "en") English."""
    return (PLAIN_EN if lang == "en" else PLAIN)[state]


# What a client may offer as a button: the acts of the table (by their route's name) and those
# beside it — 好差评 (rate), and the window's 递交 (dispatch) and 出件 (handover). (中文, English)
ACT_LABELS: dict[str, tuple[str, str]] = {
    A.SUBMIT: ("提交申请", "Submit"),
    A.PASS_PRE_REVIEW: ("预审通过", "Pass pre-review"),
    A.RETURN_PRE_REVIEW: ("预审退回", "Return at pre-review"),
    A.ACCEPT: ("受理", "Accept"),
    A.REFUSE: ("不予受理", "Refuse to accept"),
    A.REQUEST_SUPPLEMENT: ("一次性告知补正", "Request a supplement"),
    A.ANSWER_SUPPLEMENT: ("提交补正材料", "Answer the supplement request"),
    A.START_REVIEW: ("审核", "Start the review"),
    A.SUSPEND: ("进入特别程序", "Start a special procedure"),
    A.RESUME: ("结束特别程序", "End the special procedure"),
    A.DECIDE: ("作出决定", "Decide"),
    A.ACCEPT_AND_DECIDE: ("即办：受理并办结", "Accept and decide at once"),
    A.ISSUE_RESULT: ("出具办理结果", "Issue the result"),
    A.DELIVER: ("登记送达", "Record delivery"),
    A.WITHDRAW: ("撤回申请", "Withdraw"),
    A.CLOSE: ("办结归档", "Close"),
    A.CANCEL: ("联办撤销", "Cancel the part"),
    A.DISCARD: ("删除草稿", "Discard the draft"),
    "rate": ("评价", "Rate the handling"),
    "dispatch": ("递交至办理地", "Dispatch to the handling province"),
    "handover": ("窗口出件", "Hand over the result"),
}


def act_label(act: str, lang: str) -> str:
    texts = ACT_LABELS.get(act)
    if texts is None:
        return act
    return texts[1] if lang == "en" else texts[0]
