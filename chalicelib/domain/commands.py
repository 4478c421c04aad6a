"""Case commands: one frozen, typed command per act of the state table (办件操作指令).

A command is what an act is asked to do, with exactly the input its rules read; `perform` in
`chalicelib.domain.case_acts` dispatches on the command's type. Invariants:

- every act of `case_states.Act` has exactly one command class here (`COMMANDS`), and a command
  names its act (`act`, a class variable): a test fails when an act gains none;
- commands are built at the boundary from input already validated — an API request model
  (`to_command` in `chalicelib.api.case_schemas`), an exchange message's payload, the joint
  coordinator — so the domain never reads a `dict` of parameters;
- the module is pure Python, free of pydantic like the state table, so an API module can build a
  command (e.g. `Submit()`) without loading the schema models on a cold start. Field types are
  guaranteed by the validated request models and by the type checker for commands built in code;
  `perform` refuses anything that is not a command (`TypeError`: a programming error, never input).

Acts without input (提交, 审核, 办结归档) have commands without fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, get_args

from chalicelib.domain.case_states import Act

if TYPE_CHECKING:
    from chalicelib.domain.case import SupplementItem, SuspensionProcedure
    from chalicelib.domain.catalog_terms import Delivery

# How a result reached the applicant (送达): a download, a mailed result signed for, picked up at
# the authority's window, or handed over at the intake window (出件).
DeliveryHow = Literal["download", "mail_signed", "window_pickup", "window_handover"]


def delivery_how(value: str) -> DeliveryHow:
    """`value` as a way of 送达 (a ValueError for anything else)."""
    for how in get_args(DeliveryHow):
        if how == value:
            return how  # type: ignore[no-any-return]
    raise ValueError(f"not a way of delivery: {value}")


@dataclass(frozen=True, slots=True)
class Submit:
    """提交申请: the applicant's submit (a window's dispatch is the same act, 递交)."""

    act: ClassVar[Act] = Act.SUBMIT


@dataclass(frozen=True, slots=True)
class PassPreReview:
    """预审通过, with the clerk's note."""

    act: ClassVar[Act] = Act.PASS_PRE_REVIEW
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnPreReview:
    """预审退回: the reasons the applicant must fix before submitting again."""

    act: ClassVar[Act] = Act.RETURN_PRE_REVIEW
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Accept:
    """受理; with `deferred_materials` and the applicant's `commitment` it is 容缺受理."""

    act: ClassVar[Act] = Act.ACCEPT
    deferred_materials: tuple[str, ...] = ()
    commitment: str | None = None


@dataclass(frozen=True, slots=True)
class Refuse:
    """不予受理, with the reason and its legal basis (法律依据)."""

    act: ClassVar[Act] = Act.REFUSE
    reason: str
    legal_basis: str


@dataclass(frozen=True, slots=True)
class RequestSupplement:
    """补正 (一次性告知): everything missing or wrong, at once."""

    act: ClassVar[Act] = Act.REQUEST_SUPPLEMENT
    items: tuple[SupplementItem, ...]


@dataclass(frozen=True, slots=True)
class AnswerSupplement:
    """提交补正材料: the applicant's answer to a 补正, with a note."""

    act: ClassVar[Act] = Act.ANSWER_SUPPLEMENT
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StartReview:
    """审核: the review starts (a note given on the route is not recorded)."""

    act: ClassVar[Act] = Act.START_REVIEW


@dataclass(frozen=True, slots=True)
class Suspend:
    """中止 / 进入特别程序 (现场踏勘, 专家论证, 听证): the clock stops."""

    act: ClassVar[Act] = Act.SUSPEND
    procedure: SuspensionProcedure
    reason: str


@dataclass(frozen=True, slots=True)
class Resume:
    """特别程序结束 (恢复): the clock runs again."""

    act: ClassVar[Act] = Act.RESUME
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Decide:
    """作出决定: 准予 (告知承诺制 `on_commitment` where the item allows) or 不予许可 with reasons."""

    act: ClassVar[Act] = Act.DECIDE
    approved: bool
    reasons: tuple[str, ...] = ()
    legal_basis: str | None = None
    on_commitment: bool = False


@dataclass(frozen=True, slots=True)
class AcceptAndDecide:
    """即办件: 当场受理并办结, accepted (no 容缺) and decided in one act."""

    act: ClassVar[Act] = Act.ACCEPT_AND_DECIDE
    approved: bool
    reasons: tuple[str, ...] = ()
    legal_basis: str | None = None
    on_commitment: bool = False

    def accept(self) -> Accept:
        return Accept()

    def decide(self) -> Decide:
        return Decide(
            approved=self.approved,
            reasons=self.reasons,
            legal_basis=self.legal_basis,
            on_commitment=self.on_commitment,
        )


@dataclass(frozen=True, slots=True)
class IssueResult:
    """出证: an uploaded document (`file_id`), an e-licence (电子证照, `licence_type`: the service
    issues it once the act is known to be allowed and adds its reference), or mail (邮寄) with
    carrier and tracking number."""

    act: ClassVar[Act] = Act.ISSUE_RESULT
    delivery: Delivery
    title: str
    file_id: str | None = None
    licence_type: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None


@dataclass(frozen=True, slots=True)
class Deliver:
    """送达: how the result reached the applicant."""

    act: ClassVar[Act] = Act.DELIVER
    how: DeliveryHow = "download"


@dataclass(frozen=True, slots=True)
class Withdraw:
    """撤回申请, before a decision."""

    act: ClassVar[Act] = Act.WITHDRAW
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """办结归档."""

    act: ClassVar[Act] = Act.CLOSE


@dataclass(frozen=True, slots=True)
class Cancel:
    """联办撤销: a joint case's part undone because another part was refused."""

    act: ClassVar[Act] = Act.CANCEL
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Discard:
    """删除草稿: the applicant gives up a draft."""

    act: ClassVar[Act] = Act.DISCARD
    reason: str | None = None


Command = (
    Submit
    | PassPreReview
    | ReturnPreReview
    | Accept
    | Refuse
    | RequestSupplement
    | AnswerSupplement
    | StartReview
    | Suspend
    | Resume
    | Decide
    | AcceptAndDecide
    | IssueResult
    | Deliver
    | Withdraw
    | Close
    | Cancel
    | Discard
)

COMMAND_TYPES: tuple[type[Command], ...] = (
    Submit,
    PassPreReview,
    ReturnPreReview,
    Accept,
    Refuse,
    RequestSupplement,
    AnswerSupplement,
    StartReview,
    Suspend,
    Resume,
    Decide,
    AcceptAndDecide,
    IssueResult,
    Deliver,
    Withdraw,
    Close,
    Cancel,
    Discard,
)
COMMANDS: dict[Act, type[Command]] = {kind.act: kind for kind in COMMAND_TYPES}


def approves(command: Command) -> bool:
    """Whether the act leads to the approved branch of the table (a decision may deny)."""
    return command.approved if isinstance(command, Decide | AcceptAndDecide) else True


def noted(act: Act, note: str | None) -> Command:
    """The command of an act whose only input is the clerk's or applicant's note (one request model,
    `NoteRequest`, serves them all); 审核 and 办结归档 do not record it."""
    if act is Act.PASS_PRE_REVIEW:
        return PassPreReview(note=note)
    if act is Act.ANSWER_SUPPLEMENT:
        return AnswerSupplement(note=note)
    if act is Act.RESUME:
        return Resume(note=note)
    if act is Act.START_REVIEW:
        return StartReview()
    if act is Act.CLOSE:
        return Close()
    raise ValueError(f"{act.value} takes more than a note")
