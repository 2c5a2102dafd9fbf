"""Who the resident is to the person the application is for, from how they speak of that person.

"我是他女儿" says it outright; "我爸爸" / "我妈" / "我家娃" say it the other way round: the person
is the resident's parent or child, so the resident is that person's child or parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.validators import normalize

# Words for the resident's own role, as the relationship options name them.
_ROLE_WORDS: dict[str, str] = {
    **dict.fromkeys(("儿子", "女儿", "闺女", "孩子", "儿媳", "女婿"), "子女"),
    **dict.fromkeys(("爸爸", "妈妈", "父亲", "母亲", "爸", "妈"), "父母"),
    **dict.fromkeys(("老公", "老婆", "爱人", "丈夫", "妻子", "媳妇", "老伴"), "配偶"),
    **dict.fromkeys(
        (
            "哥哥",
            "姐姐",
            "弟弟",
            "妹妹",
            "孙子",
            "孙女",
            "外孙",
            "外孙女",
            "侄子",
            "侄女",
            "亲戚",
            "爷爷",
            "奶奶",
            "外公",
            "外婆",
            "姥姥",
            "姥爷",
            "叔叔",
            "阿姨",
            "舅舅",
            "姑姑",
        ),
        "其他亲属",
    ),
    "监护人": "监护人",
    **dict.fromkeys(("邻居", "朋友", "社区", "村委", "居委", "网格员"), "其他"),
}
# Words for the person applied for, mapped to what that makes the resident.
_PERSON_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("爸爸", "妈妈", "老爸", "老妈", "父亲", "母亲", "老父亲", "老母亲", "老爷子", "老太太", "爸", "妈"),
        "子女",
    ),
    **dict.fromkeys(("儿子", "女儿", "闺女", "孩子", "小孩", "娃", "宝宝"), "父母"),
    **dict.fromkeys(("老公", "老婆", "爱人", "丈夫", "妻子", "媳妇", "老伴"), "配偶"),
    **dict.fromkeys(
        (
            "爷爷", "奶奶", "外公", "外婆", "姥姥", "姥爷", "哥哥", "姐姐", "弟弟", "妹妹", "哥", "姐", "弟", "妹",
            "孙子", "孙女", "外孙", "外孙女", "叔叔", "阿姨", "舅舅", "姑姑", "侄子", "侄女",
        ),
        "其他亲属",
    ),
}  # fmt: skip


def _alternation(words: dict[str, str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# "我是孩子的妈妈": the person may be named before the role.
_SELF_ROLE = re.compile(rf"我是(?:他|她|孩子|老人|病人|残疾人)?(?:的|家)?({_alternation(_ROLE_WORDS)})")
# "她闺女", "他儿子", said alone to "您是残疾人本人的什么人？": the resident's own role, "I am" left out.
_THEIR_ROLE = re.compile(rf"^(?:我是)?(?:他|她)(?:的|家的|家)?({_alternation(_ROLE_WORDS)})(?:呀|啊|吧|呢)?$")
# "我爸爸", "俺家娃", and "给女儿申请", "帮老妈问问": the person applied for, named as the resident's own.
_PERSON = re.compile(rf"(?:我|俺|我们|给|帮|替)(?:的|家的|家)?({_alternation(_PERSON_WORDS)})")


@dataclass(frozen=True)
class Relation:
    role: str  # the resident's role, in the words of the relationship options: 子女, 父母, 配偶 …
    heard: str  # the words it was heard in: "我是他女儿", "我爸爸"
    outright: bool  # said as the resident's own role rather than worked out from the other person's


def relation_in(text: str) -> Relation | None:
    """The resident's relation to the person applied for, if what they said names it."""
    said = normalize(text)
    own = _SELF_ROLE.search(said) or _THEIR_ROLE.search(said)
    if own is not None:
        return Relation(_ROLE_WORDS[own.group(1)], own.group(0), outright=True)
    other = _PERSON.search(said)
    if other is not None:
        return Relation(_PERSON_WORDS[other.group(1)], other.group(0), outright=False)
    return None
