"""Reading the recogniser's Chinese output: numbers said digit by digit as digits, and phrases compared
by how they sound (pinyin without tones), since the recogniser often writes a homophone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pypinyin import lazy_pinyin

from dialogs.validators import normalize, spoken_digits

# A word made only of numerals; a number never starts with 百千万亿 ("千万", "万一" are adverbs).
_NUMBER_WORD = re.compile(r"[0-9零〇幺一二两三四五六七八九十][0-9零〇幺一二两三四五六七八九十百千万亿]*")
# Radio-style digits that are ordinary words too; spoken_digits decides from their neighbours.
_NEIGHBOUR_WORDS = frozenset({"洞", "要", "拐", "勾"})
# Inside a longer word only a run of two or more digits is a number: "一下" and "统一" stay words.
_DIGITS_IN_WORD = re.compile(r"[0-9零〇幺一二两三四五六七八九]{2,}")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_TO_CHINESE = str.maketrans("0123456789", "零一二三四五六七八九")
_LONGEST_COMPARED = 200
# Liuzhou Mandarin merges n/l, zh/z, ch/c, sh/s, eng/en and ing/in; the recogniser hears either.
_ACCENT_SLIP_COST = 0.25


def _is_number_word(word: str) -> bool:
    return word in _NEIGHBOUR_WORDS or _NUMBER_WORD.fullmatch(word) is not None


def _yao_is_word_after(word: str) -> bool:
    # spoken_digits knows when 要 means "want" ("我要一个"); ask it rather than repeat its rule.
    return bool(word) and spoken_digits(word[-1] + "要一") == "1"


def _number_run(run: list[str], before: str) -> list[str]:
    """A run of number words as digits; words spoken_digits does not read as a number stay words."""
    if run[0] == "要" and _yao_is_word_after(before):
        return ["要", *(_number_run(run[1:], "要") if len(run) > 1 else [])]
    digits = spoken_digits("".join(run))
    return run if digits is None else [digits]


def _digits_in_word(word: str) -> str:
    return _DIGITS_IN_WORD.sub(lambda match: spoken_digits(match.group()) or match.group(), word)


def digits_from_speech(text: str) -> str:
    """The recogniser's words with spoken numbers as digits: "幺 三 八 一 二 三 四" is "1381234",
    "我 的 号码 是 一三八" is "我 的 号码 是 138", "两" is "2"; other words are kept as they were."""
    words = text.split()
    out: list[str] = []
    index = 0
    while index < len(words):
        if not _is_number_word(words[index]):
            out.append(_digits_in_word(words[index]))
            index += 1
            continue
        end = index
        while end < len(words) and _is_number_word(words[end]):
            end += 1
        out.extend(_number_run(words[index:end], words[index - 1] if index else ""))
        index = end
    return " ".join(out)


@lru_cache(maxsize=4096)
def _syllables(text: str) -> tuple[str, ...]:
    folded = normalize(text).translate(_ASCII_TO_CHINESE)[:_LONGEST_COMPARED]
    syllables: list[str] = []
    done = 0
    for run in _HAN.finditer(folded):
        # Anything that is not Chinese (Latin, Hangul) is compared character by character.
        syllables.extend(folded[done : run.start()])
        syllables.extend(lazy_pinyin(run.group()))
        done = run.end()
    syllables.extend(folded[done:])
    return tuple(syllables)


@lru_cache(maxsize=4096)
def _accent_folded(syllable: str) -> str:
    for retroflex in ("zh", "ch", "sh"):
        if syllable.startswith(retroflex):
            syllable = syllable[0] + syllable[2:]
            break
    if syllable.startswith("n") and len(syllable) > 1 and syllable[1] != "g":
        syllable = "l" + syllable[1:]
    if syllable.endswith(("eng", "ing")):
        syllable = syllable[:-1]
    return syllable


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return _ACCENT_SLIP_COST if _accent_folded(a) == _accent_folded(b) else 1.0


def _distance(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    previous = [float(j) for j in range(len(b) + 1)]
    for i, syllable in enumerate(a, start=1):
        current = [float(i)]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + _substitution(syllable, other)))
        previous = current
    return previous[-1]


def sounds_like(a: str, b: str) -> float:
    """How alike two phrases sound, 0..1, comparing toneless pinyin syllables:
    sounds_like("户理补贴", "护理补贴") == 1.0; an accent slip (男/蓝) costs a quarter syllable."""
    first, second = _syllables(a), _syllables(b)
    if not first or not second:
        return 1.0 if first == second else 0.0
    return max(0.0, 1.0 - _distance(first, second) / max(len(first), len(second)))


def closest_phrase(text: str, phrases: Sequence[str], *, threshold: float = 0.8) -> str | None:
    """The phrase ``text`` is or sounds like, or None when none reaches ``threshold`` or two different
    phrases sound equally close (the caller asks again instead of guessing)."""
    said = normalize(text)
    for phrase in phrases:
        if normalize(phrase) == said:
            return phrase
    scored = [(sounds_like(text, phrase), phrase) for phrase in phrases]
    if not scored:
        return None
    best = max(score for score, _ in scored)
    winners = {normalize(phrase) for score, phrase in scored if score >= best - 1e-9}
    if best < threshold or len(winners) > 1:
        return None
    return next(phrase for score, phrase in scored if score >= best - 1e-9)
