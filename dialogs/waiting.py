"""A resident saying "等一下，我去拿身份证" needs a moment: that is not a wrong answer."""

from __future__ import annotations

import re

from dialogs.validators import normalize

_WAIT = re.compile(
    r"^(?:你|您|请)?(?:等一下|等一会|等会|等等|稍等|等我|等下)|^我(?:去|先去|找|去找)(?:拿|找|翻|看)|^我(?:找|翻|看)一下"
)


def asks_to_wait(text: str) -> bool:
    said = normalize(text)
    return bool(_WAIT.search(said)) and not any(ch.isdigit() for ch in said)


# "好了", "我回来了", "拿到了": back after asking for a moment, with no answer yet.
_BACK = re.compile(r"^(?:我)?(?:好了|好啦|回来了|来了|拿到了|找到了|拿来了|可以了|行了|准备好了)(?:了|啊|呀|吧)?$")


def is_back(text: str) -> bool:
    """The resident is back after a moment, saying so and nothing else."""
    return bool(_BACK.fullmatch(normalize(text)))
