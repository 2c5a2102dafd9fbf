"""The answer to "how shall I answer you?": only a clear choice answers it.

The first message after following is often the request itself ("听说有护理补贴，怎么申请"); an
option word inside a sentence is not a choice. Not hearing is a reason for text, never for voice.
"""

from __future__ import annotations

import re

from dialogs.validators import ChoiceOption, Valid, normalize, parse_choice

_FILLERS = re.compile(r"我要|我想|我用|给我|就行|就好|可以|回答|模式|方式|用|要|吧|的|呗|啊|哦|嗯|请|好|就|行")
_CANNOT_HEAR = ("听不见", "听不清", "听不到", "聋", "耳背", "助听器", "手语", "耳朵不好", "听力不好")


def _bare(said: str) -> str:
    return _FILLERS.sub("", said) or said


def cannot_hear(text: str) -> bool:
    said = normalize(text)
    return any(word in said for word in _CANNOT_HEAR)


def clear_mode_choice(text: str, options: tuple[ChoiceOption, ...]) -> str | None:
    """The mode chosen when ``text`` is just a choice ("语音", "2", "用文字吧"), else None."""
    said = normalize(text)
    if not said or cannot_hear(said):
        return None
    bare = _bare(said)
    words = {_bare(normalize(w)): o.value for o in options for w in (o.label, *o.synonyms)}
    if bare in words:
        return words[bare]
    if len(bare) <= 2:  # "1", "二", "第一"
        picked = parse_choice(bare, options)
        if isinstance(picked, Valid):
            return str(picked.value)
    return None
