"""What runs after a case write commits, in one table (AFTER_COMMIT), read top to bottom.

A case write (services/case_book.py) commits the cases, their sealed events, the outbox records of
the notices and exchange messages and any side records in one transaction, and does nothing else
inside it. What must follow the commit is a row here: what was committed → the step that runs.
Two rows follow other writes that concern cases: a partner's receipt recorded for a sent message
(the outbound service tells of it) and a partner's status changed (the partner registry).
The composition root wires each step to the service that performs it (chalicelib/container.py)
and gives the table to each writer at construction (the case book, the outbound service, the
partner registry): the table is the only way anything follows a write; nothing registers itself
anywhere else.

Invariants:
- A step runs only after its transaction committed, never for a write that failed.
- A step that fails (or a process that dies before it) loses nothing: each row names what catches
  up on it (the notice relay, the outbound relay, the coordination mark written with the case).
- Rows run in the table's order; within a row, subjects in the order the write held them.
- A step with no performer wired (a component built without it) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final


class Committed(StrEnum):
    """What a case write committed that something must follow."""

    NOTICE = "notice"  # an applicant's notice (消息) in the case's outbox
    MESSAGE = "message"  # an exchange message for the partner province in the outbox
    CASE_ACTED = "case_acted"  # a case changed by a person's act or by a partner's message applied
    MESSAGE_DELIVERED = "message_delivered"  # a partner's signed receipt recorded (services/outbound.py)
    PARTNER_STATUS = "partner_status"  # a partner's status changed (services/partners.py)


class Step(StrEnum):
    """What runs after the commit."""

    NOTIFY = "notify"  # the notice queue: 消息中心, and SMS to a walk-in applicant
    SEND = "send"  # the outbound queue: sign and post the message to the partner
    COORDINATE_JOINT = "coordinate_joint"  # 多地联办: the joint case the changed case leads or is part of
    ANNOUNCE_VIDEO = "announce_video"  # 视频会商: sessions the partner was not told of yet
    ACKNOWLEDGE_STOP = "acknowledge_stop"  # 联办: a stopped part's withdrawal or cancellation receipted
    FLUSH_PARTNER = "flush_partner"  # a partner active again gets what waited for it, at once


# what was committed          what runs after it                 caught up, if it did not run, by
AFTER_COMMIT: Final[tuple[tuple[Committed, Step], ...]] = (
    (Committed.NOTICE, Step.NOTIFY),  # the notice relay (outbox OUT#, services/notices.py)
    (Committed.MESSAGE, Step.SEND),  # the outbound relay (services/outbound.py)
    (Committed.CASE_ACTED, Step.COORDINATE_JOINT),  # the coordination mark (services/joint.py)
    (Committed.CASE_ACTED, Step.ANNOUNCE_VIDEO),  # the next act on the case
    (Committed.MESSAGE_DELIVERED, Step.ACKNOWLEDGE_STOP),  # the joint case's next coordination
    (Committed.PARTNER_STATUS, Step.FLUSH_PARTNER),  # the outbound relay, at each message's next attempt
)


class AfterCommit:
    """The table with its performers: `steps` maps a step to the callable that performs it."""

    def __init__(self, steps: Mapping[Step, Callable[[Any], None]]) -> None:
        self._steps = dict(steps)

    def run(self, committed: Committed, subjects: Sequence[Any]) -> None:
        """Perform every step the table lists for `committed`, for each subject in order."""
        for what, step in AFTER_COMMIT:
            perform = self._steps.get(step)
            if what is not committed or perform is None:
                continue
            for subject in subjects:
                perform(subject)
