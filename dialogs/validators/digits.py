"""Numbers said or typed digit by digit: phone, ID and card numbers."""

from __future__ import annotations

import re
import unicodedata

import cn2an

_PLAIN_DIGITS = {
    "零": "0",
    "〇": "0",
    "幺": "1",
    "一": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
# Radio-style 洞 拐 勾, and 要 (how recognisers often write 幺), are ordinary words too, so they only
# count as digits right next to another digit.
_NEIGHBOUR_DIGITS = {"洞": "0", "要": "1", "拐": "7", "勾": "9"}
# "我要一个" is a sentence, not a number starting with 1.
_NOT_A_DIGIT_AFTER = frozenset("我你您他她俺咱们想还需不就只也都")
_UNITS = frozenset("十百千万亿")
_SEPARATORS = frozenset(" \t-‐‑–—_、，,.。·")
_DIGIT_LIKE = frozenset(_PLAIN_DIGITS) | frozenset(_NEIGHBOUR_DIGITS) | frozenset("0123456789")
_LETTERS = {"叉": "X", "补": "B"}
_IN_NUMBERS = _DIGIT_LIKE | frozenset(_LETTERS) | frozenset("XB")  # what may stand beside a digit of a number
# "一遍", "一下", "一个", "两次": 一 or 两 counting something, a word and no digit.
_COUNTED = frozenset("遍下个次点些会样起共直定般切")
_NUMERAL_RUN = re.compile(r"[0-9零〇幺一二两三四五六七八九十百千万亿]+")
_ASCII_TO_CHINESE = str.maketrans("0123456789", "零一二三四五六七八九")
_LONGEST_QUANTITY = 12


def _neighbour(text: str, index: int, step: int) -> str:
    index += step
    while 0 <= index < len(text) and text[index] in _SEPARATORS:
        index += step
    return text[index] if 0 <= index < len(text) else ""


def _counts_as_digit(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    if text[index] == "要" and before in _NOT_A_DIGIT_AFTER:
        return False
    return _neighbour(text, index, -1) in _DIGIT_LIKE or _neighbour(text, index, 1) in _DIGIT_LIKE


def _digit_by_digit(run: str) -> str:
    return "".join(_PLAIN_DIGITS.get(ch, ch) for ch in run if ch not in _UNITS)


def _numeral_run(run: str) -> str:
    if not _UNITS.intersection(run):
        return _digit_by_digit(run)
    # A run with place-value units is a quantity ("一百二十"): cn2an reads those.
    if len(run) > _LONGEST_QUANTITY:
        return _digit_by_digit(run)
    try:
        return str(cn2an.cn2an(run.translate(_ASCII_TO_CHINESE), "normal"))
    except Exception:  # cn2an rejects malformed quantities ("0亿0") with ValueError, KeyError and more
        # Keep the digits that were said.
        return _digit_by_digit(run)


def without_quantities(text: str) -> str:
    """``text`` without numbers said as amounts ("骗了她两万块", "三十岁") or as words ("我再说一遍", "等一下"):
    place-value units are never part of a phone, ID or card number said digit by digit, and neither is a lone
    一 or 两 counting something ("一遍", "两次") after no digit, so such a number is something else said."""
    folded = unicodedata.normalize("NFKC", text).upper()

    def kept(run: re.Match[str]) -> str:
        said = run.group()
        if _UNITS.intersection(said):
            return " "
        after = folded[run.end()] if run.end() < len(folded) else ""
        in_words = said in ("一", "两") and after in _COUNTED and _neighbour(folded, run.start(), -1) not in _IN_NUMBERS
        return " " if in_words else said

    return _NUMERAL_RUN.sub(kept, folded)


def spoken_symbols(text: str) -> str:
    """The digits, X (叉) and B (补) in ``text``, in order, everything else dropped.

    Quantities with units go through cn2an ("一百" is "100"); digit strings stay digit by digit.
    Only for numbers: the answer to "what is your number", not free text.
    """
    folded = unicodedata.normalize("NFKC", text).upper()
    out: list[str] = []
    index = 0
    while index < len(folded):
        run = _NUMERAL_RUN.match(folded, index)
        if run:
            out.append(_numeral_run(run.group()))
            index = run.end()
            continue
        ch = folded[index]
        if ch in _NEIGHBOUR_DIGITS and _counts_as_digit(folded, index):
            out.append(_NEIGHBOUR_DIGITS[ch])
        elif ch in _LETTERS:
            out.append(_LETTERS[ch])
        elif ch in "XB":
            out.append(ch)
        index += 1
    return "".join(out)


def spoken_digits(text: str) -> str | None:
    """A number said or typed digit by digit, as ASCII digits: "幺三八 一二三四" is "1381234".

    A trailing X (叉, x) is kept upper case for ID numbers; X elsewhere and other text are dropped.
    None when there is no digit at all.
    """
    symbols = spoken_symbols(text).replace("B", "")
    digits = "".join(ch for ch in symbols if ch != "X")
    if not digits:
        return None
    return digits + "X" if symbols.endswith("X") else digits
