"""The body checks made before parsing: nesting depth counted without a parser, in linear time,
and control characters found wherever a string holds them."""

from __future__ import annotations

import time

import pytest

from chalicelib.api.endpoint import control_character_fields, json_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": "[[[\\"]]"}]}', 3),  # brackets and an escaped quote inside a string
        ('["\\\\", [[]]]', 3),  # an escaped backslash ends before the closing quote
        ('"\\\\"[[', 2),
        ("[" * 5000 + "]" * 5000, 5000),
    ],
)
def test_depth_counts_structure_not_strings(text: str, depth: int) -> None:
    assert json_depth(text.encode()) == depth


@pytest.mark.parametrize(
    "raw",
    [
        b'"' + b'\\"' * 80_000,  # one string that never ends, full of escaped quotes
        b'"' * 250_000,
        b"[]" * 120_000,
        b"\\" * 250_000,
    ],
)
def test_depth_is_linear_on_hostile_bodies(raw: bytes) -> None:
    started = time.process_time()
    json_depth(raw)
    assert time.process_time() - started < 0.5  # a backtracking pattern takes minutes here


def test_control_characters_are_found_in_values_and_keys() -> None:
    data = {"form": {"name": "甲\x00乙", "ok": "a\tb\nc\r"}, "list": ["x", "\x7f"], "k\x01": 1}
    assert control_character_fields(data) == ["form.name", "list.1", "k\x01"]
    assert control_character_fields({"form": {"text": "换行\n也可以"}}) == []
