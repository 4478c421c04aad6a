"""Pinyin initials (拼音首字母) of Chinese text, for catalog search such as `hkqy` → 户口迁移.

No dependency and nothing to load: the 3,755 level-1 characters of GB 2312 are ordered by pinyin,
so a character's initial follows from its GB 2312 code and the first code of each letter. Other
characters (GB 2312 level 2, ordered by radical, and characters outside GB 2312) that occur in
item names are listed in `_EXTRA`.

Invariants:
- `initials(text)` has one lower-case letter for every Han character it knows, in order; digits
  and Latin letters are kept (lower-cased); everything else, unknown characters included, is dropped.
- A polyphonic character gets the initial of the reading GB 2312 files it under (行 → x, 重 → z),
  which is the common reading in item names; `_EXTRA` overrides it where it is not (e.g. 行 in 银行
  would need h: such words are better given as aliases).
"""

from __future__ import annotations

from bisect import bisect_right

# First GB 2312 code (two bytes, as an integer) of each initial within level 1 (0xB0A1-0xD7F9).
_BOUNDS: tuple[tuple[int, str], ...] = (
    (0xB0A1, "a"),
    (0xB0C5, "b"),
    (0xB2C1, "c"),
    (0xB4EE, "d"),
    (0xB6EA, "e"),
    (0xB7A2, "f"),
    (0xB8C1, "g"),
    (0xB9FE, "h"),
    (0xBBF7, "j"),
    (0xBFA6, "k"),
    (0xC0AC, "l"),
    (0xC2E8, "m"),
    (0xC4C3, "n"),
    (0xC5B6, "o"),
    (0xC5BE, "p"),
    (0xC6DA, "q"),
    (0xC8BB, "r"),
    (0xC8F6, "s"),
    (0xCBFA, "t"),
    (0xCDDA, "w"),
    (0xCEF4, "x"),
    (0xD1B9, "y"),
    (0xD4D1, "z"),
)
_LEVEL_1_END = 0xD7F9
_CODES = tuple(code for code, _ in _BOUNDS)

# Characters of item names outside GB 2312 level 1, and readings that differ from its order.
_EXTRA: dict[str, str] = {
    "圳": "z",
    "濮": "p",
}


def initial(char: str) -> str:
    """The pinyin initial of one character ('' when unknown); digits and Latin letters as is."""
    if char in _EXTRA:
        return _EXTRA[char]
    if char.isascii():
        return char.lower() if char.isalnum() else ""
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return ""
    if len(encoded) != 2:
        return ""
    code = (encoded[0] << 8) | encoded[1]
    if not _CODES[0] <= code <= _LEVEL_1_END:
        return ""
    return _BOUNDS[bisect_right(_CODES, code) - 1][1]


def initials(text: str) -> str:
    """`户口迁移（夫妻投靠）` → `hkqyfqtk`."""
    return "".join(initial(char) for char in text)


def unknown_characters(text: str) -> set[str]:
    """Han characters of `text` that get no initial (to extend `_EXTRA` for new item names)."""
    return {c for c in text if "\u4e00" <= c <= "\u9fff" and not initial(c)}
