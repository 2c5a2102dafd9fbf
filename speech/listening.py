"""Text prepared for listening: what a Mandarin voice should read, and how it is cut into voice clips.

Pure functions, no I/O. Identifiers (phone, ID, card and case numbers) are read digit by digit in groups,
because a resident has to check them digit by digit; short numbers stay number words ("第2项" → "第二项").
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator

import cn2an

logger = logging.getLogger(__name__)

_DIGIT_WORDS = "零一二三四五六七八九"
_GROUP_PAUSE = "，"
_LINE_PAUSE = "。"
# A line already ending in one of these needs no added pause when lines are joined.
_PAUSES = frozenset("。！？；：，、…!?;:,.")
_SENTENCE_ENDS = frozenset("。！？；!?;")
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines() breaks at
_CLOSERS = frozenset("”’」』）)】》〉\"'")  # kept with the sentence they close
_CUT_AFTER = frozenset("，,、：:")

# Fullwidth digits and letters only: fullwidth punctuation (，！？（）) is ordinary Chinese punctuation.
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
_UNITS = str.maketrans({"℃": "摄氏度", "°": "度", "&": "和", "＆": "和"})
# Emoji, pictographs, invisible format and control characters, private and unassigned code points.
_UNSPOKEN_CATEGORIES = frozenset({"So", "Sk", "Cc", "Cf", "Co", "Cn", "Cs", "Me"})
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_BRACKETS_AND_QUOTES = frozenset("()（）[]［］【】{}｛｝〔〕〖〗《》〈〉<>＜＞“”‘’「」『』\"'＂＇«»‹›„‟")
_SYMBOLS = frozenset("·•・|｜→*＊#＃/／\\＼~～〜_＿")
_KEPT_MATH = frozenset("+=")

_OPTION = re.compile(r"\s*([0-9]{1,2})\s*[.．](?![0-9])\s*(.*)")
_BULLET = re.compile(r"^[-*•·]+\s+")
_DATE = re.compile(r"(?<![0-9])([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})(?![0-9])")
_TIME = re.compile(r"(?<![0-9])([01]?[0-9]|2[0-3])[:：]([0-5][0-9])(?![0-9])")
_PERCENT = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)\s*[%％]")
_RANGE = re.compile(r"(?<=[0-9])\s*[~～〜—–]\s*(?=[0-9])")
_DECIMAL = re.compile(r"(?<![0-9.])([0-9]+)\.([0-9]+)(?![0-9.])")
# 18-character ID numbers and 20-character disability card numbers (ID + 2 digits), written whole or
# grouped 6-8-4 the way the dialogs read them back; only the 18th character may be an X.
_ID = re.compile(
    r"(?<![0-9])([0-9]{6})([ -]?)([0-9]{8})\2([0-9]{3}(?:[0-9]|[Xx](?![A-Za-z])))(?:\2([0-9]{2}))?(?![0-9])"
)
_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ -][0-9]+)*(?![0-9])")
# After these words even a short number is an identifier: "尾号 12" is read "一 二", not "十二".
_IDENTIFIER_CUE = re.compile(r"(?:尾号|编号|号码|卡号|证号|账号|单号|验证码)(?:是|为)?[:：]?\s*$")
_SPACES = re.compile(r" {2,}")
_SPACE_BY_PUNCTUATION = re.compile(r" ?([。！？；：，、…]) ?")

_MIN_IDENTIFIER = 3  # digits: a run this long is an identifier, read one by one
_MIN_JOINED = 7  # digits: "138 1234 5678" or "0772-1234567" is one number, "10-20" is a range
_LARGEST_GROUP = 8
_CN2AN_DIGITS = 16  # cn2an refuses longer integer parts


def for_listening(text: str) -> str:
    """What a Mandarin TTS voice should read for ``text``. Never raises: a failure to tidy the text
    must not cost a blind resident the answer, so the worst case is the text with only unreadable
    characters removed."""
    try:
        lines = (_line(line) for line in text.translate(_FULLWIDTH).splitlines())
        return _join_lines([line for line in lines if line])
    except Exception:  # the answer must still be spoken
        logger.warning("for_listening fell back to plain text", exc_info=True)
        return " ".join("".join(ch for ch in text if _spoken(ch) or ch.isspace()).split())


def sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end (。！？；) and at line breaks, closing quotes and brackets
    staying with their sentence; whitespace around each is dropped. Never cuts inside a number."""
    found: list[str] = []
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if char in _SENTENCE_ENDS and not _between_digits(text, index - 1):
            while index < len(text) and (text[index] in _SENTENCE_ENDS or text[index] in _CLOSERS):
                index += 1
        elif char not in _LINE_BREAKS:
            continue
        found.append(text[start:index].strip())
        start = index
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


def chunk_for_speech(text: str, max_chars: int) -> list[str]:
    """Sentences of ``text`` grouped into chunks of at most ``max_chars`` characters, each to become one
    voice clip. A longer sentence is cut after a comma, else at a space, else hard (but not inside a
    Latin word or a run of digits). Only whitespace differs between ``text`` and the chunks joined."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    chunks: list[str] = []
    current = ""
    for sentence in sentences(text):
        for piece in _pieces(sentence, max_chars):
            # Without a closing mark the sentence came from a line of its own: keep the words apart.
            joined = current + piece if not current or current[-1] in _PAUSES else f"{current} {piece}"
            if len(joined) <= max_chars:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _line(line: str) -> str:
    line = line.translate(_UNITS)
    kept = "".join(" " if char.isspace() else char for char in line if char.isspace() or _spoken(char))
    line = _BULLET.sub("", " ".join(kept.split()), count=1)
    option = _OPTION.fullmatch(line)
    if option is None:
        return _words(line)
    number, label = option.groups()
    label = _words(label).rstrip("。.，, ")
    return f"说{_number_words(number)}，{label}。" if label else f"说{_number_words(number)}。"


def _join_lines(lines: list[str]) -> str:
    if not lines:
        return ""
    joined = [line if line[-1] in _PAUSES else line + _LINE_PAUSE for line in lines[:-1]]
    return "".join([*joined, lines[-1]])


def _words(text: str) -> str:
    text = _DATE.sub(_date, text)
    text = _TIME.sub(_time, text)
    text = _PERCENT.sub(lambda m: "百分之" + _number_words(m.group(1)), text)
    text = _RANGE.sub("到", text)
    text = _DECIMAL.sub(lambda m: _number_words(m.group(0)), text)
    text = _ID.sub(_id_number, text)
    text = _RUN.sub(_run, text)
    text = "".join(_unbracketed(text))
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BY_PUNCTUATION.sub(r"\1", text)


def _unbracketed(text: str) -> Iterator[str]:
    for char in text:
        if char in _BRACKETS_AND_QUOTES:
            continue
        if char in _SYMBOLS or (unicodedata.category(char) == "Sm" and char not in _KEPT_MATH):
            yield " "
        else:
            yield char


def _spoken(char: str) -> bool:
    return unicodedata.category(char) not in _UNSPOKEN_CATEGORIES and not _VARIATION_SELECTORS.match(char)


def _date(match: re.Match[str]) -> str:
    year, _, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return match.group(0)
    return f"{_digits(year, spaced=False)}年{_number_words(month)}月{_number_words(day)}日"


def _time(match: re.Match[str]) -> str:
    hour, minute = match.groups()
    if minute == "00":
        return f"{_number_words(hour)}点"
    said = _digits(minute, spaced=False) if minute.startswith("0") else _number_words(minute)
    return f"{_number_words(hour)}点{said}分"


def _id_number(match: re.Match[str]) -> str:
    area, _, birth, tail, card = match.groups()
    return _GROUP_PAUSE.join(_digits(group) for group in (area, birth, tail, card) if group)


def _run(match: re.Match[str]) -> str:
    groups = re.split("[ -]", match.group(0))
    joined = "".join(groups)
    cue = _IDENTIFIER_CUE.search(match.string, max(0, match.start() - 8), match.start()) is not None
    if len(groups) > 1 and len(joined) >= _MIN_JOINED and all(len(group) >= 2 for group in groups):
        return _identifier(joined, groups)
    if len(groups) == 1:
        year = match.string.startswith("年", match.end()) and len(joined) == 4
        if year:
            return _digits(joined, spaced=False)
        return _identifier(joined, None) if cue or len(joined) >= _MIN_IDENTIFIER else _short(joined)
    separators = re.findall("[ -]", match.group(0))
    said = [_identifier(group, None) if len(group) >= _MIN_IDENTIFIER else _short(group) for group in groups]
    # A hyphen between short numbers is a range: "3-5天" is "三到五天".
    joins = ("到" if separator == "-" else " " for separator in separators)
    return said[0] + "".join(join + part for join, part in zip(joins, said[1:], strict=True))


def _identifier(digits: str, written_groups: list[str] | None) -> str:
    """Digits read one by one, in the groups they were written in when those are sensible, else in the
    groups a listener expects: phones 3-4-4, IDs 6-8-4, others by fours."""
    if written_groups and all(2 <= len(group) <= _LARGEST_GROUP for group in written_groups):
        groups = written_groups
    else:
        groups = list(_split(digits, _group_sizes(digits)))
    return _GROUP_PAUSE.join(_digits(group) for group in groups)


def _group_sizes(digits: str) -> list[int]:
    count = len(digits)
    known = {18: [6, 8, 4], 20: [6, 8, 4, 2], 15: [6, 6, 3], 6: [3, 3]}
    if count == 11 and digits.startswith("1"):
        return [3, 4, 4]
    if count in known:
        return known[count]
    if count <= 4:
        return [count]
    sizes = [4] * (count // 4) + ([count % 4] if count % 4 else [])
    if sizes[-1] == 1:  # no lone digit at the end: 4-4-1 becomes 4-3-2
        sizes[-2:] = [3, 2]
    return sizes


def _split(digits: str, sizes: list[int]) -> Iterator[str]:
    start = 0
    for size in sizes:
        yield digits[start : start + size]
        start += size


def _digits(digits: str, *, spaced: bool = True) -> str:
    words = (_DIGIT_WORDS[int(char)] if char.isdigit() else "叉" for char in digits)
    return (" " if spaced else "").join(words)


def _short(digits: str) -> str:
    # "05" is read "零五" as written; "5" and "12" are number words.
    return _digits(digits, spaced=False) if len(digits) > 1 and digits.startswith("0") else _number_words(digits)


def _number_words(number: str) -> str:
    """A number as words via cn2an ("12" → "十二", "3.50" → "三点五"); digit by digit where cn2an refuses."""
    whole, _, fraction = number.partition(".")
    fraction = fraction.rstrip("0")
    if len(whole) <= _CN2AN_DIGITS:
        try:
            return str(cn2an.an2cn(f"{whole}.{fraction}" if fraction else whole))
        except ValueError:
            logger.debug("cn2an refused a %d-digit number", len(number))
    said = _digits(whole, spaced=False)
    return f"{said}点{_digits(fraction, spaced=False)}" if fraction else said


def _between_digits(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()


def _pieces(sentence: str, max_chars: int) -> Iterator[str]:
    """``sentence`` in pieces of at most ``max_chars`` characters."""
    rest = sentence
    while len(rest) > max_chars:
        cut = _cut_point(rest, max_chars)
        piece, rest = rest[:cut].strip(), rest[cut:].strip()
        if piece:
            yield piece
    if rest:
        yield rest


def _cut_point(text: str, max_chars: int) -> int:
    window = text[:max_chars]
    after_comma = max((i + 1 for i, char in enumerate(window) if char in _CUT_AFTER), default=0)
    if after_comma:
        return after_comma
    space = text.rfind(" ", 1, max_chars + 1)
    if space > 0:
        return space
    cut = max_chars
    while cut > 1 and _inside_word(text, cut):
        cut -= 1
    return max_chars if _inside_word(text, cut) else cut


def _inside_word(text: str, index: int) -> bool:
    """Whether ``index`` falls between two characters of one Latin word or run of digits."""
    return _ascii_word(text[index - 1]) and _ascii_word(text[index])


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()
