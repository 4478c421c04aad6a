"""A joint case's parts notice (多地联办) reads as the coordinator wrote it: which part moved.

`joint.parts_notice` titles the applicant's notice with each part that moved (迁入地审批已受理);
the notices route renders stored notices again from their act and state (for English), which
turned every parts notice into the joint case's state (审核中, three times in a row).
"""

from __future__ import annotations

import re

from chalicelib.domain.case_acts import render_notice

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ITEM = "户口迁移（夫妻投靠）"
PARTS_NOTICE = {
    "id": "320000-20261201-J77H6TB7:9",
    "case": "320000-20261201-J77H6TB7",
    "recipient": "https://dev-idp.tongban.invalid/320000|dev-applicant-1",
    "act": "parts_updated",
    "state": "under_review",
    "item_name": ITEM,
    "title": f"{ITEM}：迁入地审批已受理；迁出地迁出登记已准予",
    "next_step": "等待审批决定",
    "at": "2026-12-01T05:21:40+08:00",
}


def test_a_parts_notice_keeps_the_parts_that_moved_in_its_title() -> None:
    assert render_notice(PARTS_NOTICE, "zh")["title"] == PARTS_NOTICE["title"]


def test_a_parts_notice_in_english_says_the_parts_moved_not_the_state() -> None:
    english = render_notice(PARTS_NOTICE, "en")
    assert english["title"] == f"{ITEM}: Joint parts updated"
    assert not CHINESE.search(english["title"].removeprefix(ITEM) + english["next_step"])
