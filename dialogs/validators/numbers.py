"""Small numbers given as a whole answer: "2", "二", "第二个", "选两号"."""

from __future__ import annotations

import re
from functools import lru_cache

import cn2an

from dialogs.validators.text import normalize

# Words around a number that do not change it: "我选第二个吧".
ORDINAL_FILLERS = frozenset("我选择第个项号条种吧了啊呀呢嗯就是要那这的按数字")
_NUMERAL = re.compile(r"[0-9]+|[零〇幺一二两三四五六七八九十百千万]+")
_LONGEST_NUMERAL = 8


@lru_cache(maxsize=4096)  # at most eight characters each; cn2an is slow
def numeral_value(word: str) -> int | None:
    """The value of a word that is only a number ("12", "十二", "两"), else None."""
    if len(word) > _LONGEST_NUMERAL or not _NUMERAL.fullmatch(word):
        return None
    if word.isdigit():
        return int(word)
    try:
        value = cn2an.cn2an(word, "normal")
    except Exception:  # cn2an rejects malformed numbers ("十十", "零十零") with ValueError, KeyError and more
        return None
    return int(value)


def answer_number(text: str, fillers: frozenset[str] = ORDINAL_FILLERS) -> int | None:
    """The number an answer consists of, once the ``fillers`` characters are dropped; None when the
    answer holds anything else ("我有两个孩子" is not the answer "2")."""
    core = "".join(ch for ch in normalize(text) if ch not in fillers)
    return numeral_value(core) if core else None
