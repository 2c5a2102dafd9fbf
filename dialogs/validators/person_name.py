"""A person's name as said or typed."""

from __future__ import annotations

import re
import unicodedata

from dialogs.validators.result import Invalid, Valid, ValidationResult

_PREFIXES = (
    "我的名字叫", "我的名字是", "他的名字叫", "她的名字叫", "他的名字是", "她的名字是",
    "名字叫", "名字是", "姓名是", "我叫做", "我叫", "我是", "他叫", "她叫", "叫做", "叫",
)  # fmt: skip
# Typed and recognised names use all of these for the dot in "阿依古丽·买买提".
_DOTS = str.maketrans(dict.fromkeys("・•‧∙⋅．.", "·"))
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]"
_HAN_NAME = re.compile(rf"{_HAN}+(?:·{_HAN}+)*")
_SHORTEST = 2
_LONGEST = 20
_ASK_AGAIN = "name_unclear"
# An answer to another question said where a name is asked ("肢体残疾", "一级", "柳北区", "自闭症"): words
# no name holds (disability and health words among them), a disability level, or a county-level place.
_NOT_IN_NAMES = (
    "残疾", "残废", "肢体", "视力", "听力", "言语", "智力", "精神", "低保", "补贴",
    "症", "病", "瘫", "聋", "哑", "盲", "瞎", "障", "残", "综合征", "自闭", "孤独",
    # What is said to move a conversation along: "继续" at the name question is no name.
    "继续", "接着", "下一步", "开始", "知道了", "明白了", "谢谢", "稍等", "等一下",
)  # fmt: skip
_LEVEL = re.compile(r"[一二三四1-4]级")
_PLACE_SUFFIXES = ("区", "县", "市")
OTHER_ANSWER = "name_is_other_answer"


def _clean(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_DOTS)
    visible = "".join(" " if ch.isspace() else ch for ch in folded if ch.isprintable() or ch.isspace())
    words = " ".join(visible.split())
    return words.strip("，。,!！?？、；;：:“”\"'‘’· ")


def _without_prefix(text: str) -> str:
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].strip("，。,：:· ")
    return text


def _is_latin(name: str) -> bool:
    return all(ch == " " or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")) for ch in name)


def parse_person_name(text: str) -> ValidationResult:
    """A Chinese name (with a middle dot for many minority names) or a name in Latin letters."""
    said = _without_prefix(_clean(text))
    if not said:
        return Invalid("name_missing")
    if any(ch.isdigit() for ch in said):
        return Invalid("name_digits")
    if re.search(_HAN, said):
        # Recognisers put spaces between Chinese characters; only Latin names keep theirs.
        name = said.replace(" ", "")
        if not _HAN_NAME.fullmatch(name):
            return Invalid(_ASK_AGAIN)
    elif _is_latin(said):
        name = said
    else:
        return Invalid(_ASK_AGAIN)
    if any(word in name for word in _NOT_IN_NAMES) or _LEVEL.search(name) or name.endswith(_PLACE_SUFFIXES):
        return Invalid(OTHER_ANSWER)
    if len(name) < _SHORTEST:
        return Invalid("name_too_short")
    if len(name) > _LONGEST:
        return Invalid("name_too_long")
    return Valid(value=name, display=name)
