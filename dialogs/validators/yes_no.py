"""Everyday yes and no."""

from __future__ import annotations

import re
from enum import Enum

from dialogs.validators.numbers import answer_number
from dialogs.validators.result import Invalid, Valid, ValidationResult
from dialogs.validators.text import normalize


class _Kind(Enum):
    YES = "yes"
    NO = "no"
    WEAK_YES = "weak_yes"  # yes only when nothing stronger was said: "嗯，不用了" is no
    UNSURE = "unsure"
    FILLER = "filler"


_PHRASES: dict[str, _Kind] = {
    **dict.fromkeys(
        (
            "是", "是的", "对", "对的", "对头", "好", "好的", "行", "可以", "要", "需要", "想要",
            "有", "确认", "同意", "愿意", "正确", "没错", "没有错", "没问题", "不错",
        ),
        _Kind.YES,
    ),
    **dict.fromkeys(
        (
            "不", "不是", "不对", "不要", "不用", "不需要", "不想", "不想要", "没有", "没", "否",
            "不行", "不可以", "不同意", "不愿意", "不好", "不确认", "错", "错了", "算了", "别",
        ),
        _Kind.NO,
    ),
    **dict.fromkeys(("嗯", "恩", "当然", "肯定", "确实"), _Kind.WEAK_YES),
    **dict.fromkeys(
        (
            "不知道", "不清楚", "不确定", "不一定", "不记得", "不明白", "不懂", "不好说", "不好意思",
            "说不好", "说不定", "没事", "没关系", "忘了", "也许", "可能", "大概", "或许", "再说",
            "等等", "等一下", "什么", "啥", "怎么", "为什么", "吗",
        ),
        _Kind.UNSURE,
    ),
    **dict.fromkeys(
        (
            "啊", "呀", "吧", "呢", "的", "了", "嘛", "哦", "噢", "哈", "喔", "啦", "呃", "额", "哎",
            "唉", "诶", "欸", "那", "就", "我", "我们", "俺", "他", "她", "这", "个", "都", "也", "还",
            "真", "真的", "很", "一定", "请", "谢谢", "麻烦",
        ),
        _Kind.FILLER,
    ),
}  # fmt: skip
_LONGEST_PHRASE = max(map(len, _PHRASES))
_LATIN_WORD = re.compile(r"[a-z]+")
_LATIN: dict[str, _Kind] = {
    **dict.fromkeys(("y", "yes", "yeah", "yep", "ok", "okay", "sure"), _Kind.YES),
    **dict.fromkeys(("n", "no", "nope"), _Kind.NO),
}
# "是不是", "要不要", "有没有": the person is asking back. "不是不是" is an emphatic no.
_ASKING_BACK = re.compile(r"(?<![不没])([^不没])[不没]\1")
_NUMBERED = {1: True, 2: False}
_POSSESSION = frozenset(("有", "没有", "没"))
YES_NO_UNCLEAR = "yes_no_unclear"
_ASK_AGAIN = YES_NO_UNCLEAR


def _tokens(answer: str) -> list[tuple[str, _Kind | None]]:
    """The answer read leftmost-longest into phrases and their kinds; None for anything unknown."""
    tokens: list[tuple[str, _Kind | None]] = []
    index = 0
    while index < len(answer):
        latin = _LATIN_WORD.match(answer, index)
        if latin:
            tokens.append((latin.group(), _LATIN.get(latin.group())))
            index = latin.end()
            continue
        for size in range(min(_LONGEST_PHRASE, len(answer) - index), 0, -1):
            kind = _PHRASES.get(answer[index : index + size])
            if kind is not None:
                tokens.append((answer[index : index + size], kind))
                index += size
                break
        else:
            tokens.append((answer[index], None))
            index += 1
    return tokens


def _kinds(answer: str) -> list[_Kind | None]:
    return [kind for _phrase, kind in _tokens(answer)]


def _decide(kinds: list[_Kind | None]) -> bool | None:
    said = [kind for kind in kinds if kind is not _Kind.FILLER]
    # The answer has to start with yes or no: "今天天气好" is not a yes.
    if not said or said[0] is None or _Kind.UNSURE in said:
        return None
    strong = {kind for kind in said if kind in (_Kind.YES, _Kind.NO)}
    if len(strong) > 1:
        return None
    if strong:
        return strong == {_Kind.YES}
    return True


def parse_yes_no(text: str) -> ValidationResult:
    """是 or 不是, said any everyday way; "1" is yes and "2" is no when the question numbers them."""
    answer = normalize(text)
    if _ASKING_BACK.search(answer):
        return Invalid(_ASK_AGAIN)
    number = answer_number(answer)
    if number is None and says_what_it_is(answer):
        return Invalid(_ASK_AGAIN)
    decision = _NUMBERED.get(number) if number is not None else _decide(_kinds(answer))
    if decision is None:
        return Invalid(_ASK_AGAIN)
    return Valid(value=decision, display="是" if decision else "否")


def states_possession(text: str) -> bool:
    """ "有证", "没有残疾人证": an answer that starts with 有 or 没有 said of a thing answers what someone has,
    not whether something offered is right ("对，有证" still starts with a yes)."""
    answer = normalize(text)
    if _ASKING_BACK.search(answer):
        return False
    said = [(phrase, kind) for phrase, kind in _tokens(answer) if kind is not _Kind.FILLER]
    return len(said) >= 2 and said[0][0] in _POSSESSION and any(kind is None for _phrase, kind in said[1:])


def says_what_it_is(text: str) -> bool:
    """ "我是她老公", "是自己家的房子": a 是 that joins what something is, not a yes ("是的，我是她老公" is one)."""
    said = [(phrase, kind) for phrase, kind in _tokens(normalize(text)) if kind is not _Kind.FILLER]
    return len(said) >= 2 and said[0][0] == "是" and said[1][1] is None
