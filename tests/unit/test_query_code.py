"""查询码: random, unambiguous, matched as a person would type it."""

from __future__ import annotations

import re

from chalicelib.domain.query_code import QUERY_CODE_PATTERN, issue_query_code, query_code_matches


def test_codes_are_well_formed_and_not_repeated() -> None:
    codes = {issue_query_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(QUERY_CODE_PATTERN, c) for c in codes)
    assert not any(set(c) & set("ILOU") for c in codes)


def test_a_code_is_matched_as_typed_and_nothing_else_matches() -> None:
    code = issue_query_code()
    assert query_code_matches(code, code)
    assert query_code_matches(code, f"{code[:4].lower()}-{code[4:]}")
    assert not query_code_matches(code, code[:-1])
    assert not query_code_matches(code, ("0" if code[0] != "0" else "1") + code[1:])
    assert not query_code_matches(None, code)
