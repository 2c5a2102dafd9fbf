"""How a resident wants to be contacted, heard in what they said: text only, may call, or through family.

Pure: no I/O. Residents say it in passing ("我听不见，别打电话", "有事找我女儿"), so the rules read clauses
the way people talk: a call that is refused ("别打电话", "不要给我打电话") means text only, never "may
call"; typing that is refused or impossible ("不会打字") means nothing; deafness counts only when it is
the speaker's own ("我儿子是聋的" is said by a parent who can take a call); an explicit wish outweighs
a reason ("我听不见，有事找我女儿" is through family), and a later wish outweighs an earlier one. A call
that someone else makes ("他打我电话骂我", "有人老打我电话") or that does harm ("催债的打我电话") tells
nothing of how the resident wants staff to reach them: a call word counts as a wish only when its
subject is the resident or staff, and not in a clause about abuse, threats or fraud.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dialogs.pattern_chars import needed_chars


class ContactPreference(StrEnum):
    TEXT_ONLY = "text_only"
    MAY_CALL = "may_call"
    VIA_FAMILY = "via_family"


PREFERENCES: tuple[str, ...] = tuple(preference.value for preference in ContactPreference)


@dataclass(frozen=True)
class Heard:
    """A preference and the resident's words it was heard in."""

    preference: ContactPreference
    said: str


_FAMILY = (
    "外孙女|外孙|孙女|孙子|女儿|闺女|儿子|儿媳|女婿|老伴|爱人|老婆|老公|妻子|丈夫|媳妇|"
    "妈妈|爸爸|母亲|父亲|哥哥|姐姐|弟弟|妹妹|侄子|侄女|家里人|家人|亲戚|监护人|妈|爸|哥|姐|弟|妹"
)
_OTHERS = f"{_FAMILY}|孩子|小孩|娃|他|她|老人"
# Words that turn the verb right after them around; checked in the few characters before a match.
_NEGATION = re.compile(
    r"(别|不要|不用|不必|甭|莫|勿|不能|不可以|不方便|不会|没法|没办法|无法|不|没)(再|老是|总|总是)?$"
)
_CLAUSE = re.compile(r"[，。！？；,.!?;、…]+|但是|不过|可是")
_SPACE = re.compile(r"\s+")

# Refusing calls: text only, whatever follows in the clause.
_NO_CALLS = re.compile(
    r"(别|不要|不用|不必|甭|莫|勿|不能|不可以|不方便|没法|没办法|无法)(再|老是|总)?(给我|跟我|帮我)?(打|来|拨)(个)?(电话|手机)"
    r"|不(能|方便|好)?接(听)?电话|接不(了|到)电话|打不了电话"
    r"|电话(我)?(听不见|听不到|听不清|接不了|接不到|没法接|不方便)"
)
# Asking for text.
_TEXT = re.compile(
    r"打字|用文字|文字(联系|说|回复)|发文字|发字|发短信|短信(联系|通知|告诉)"
    r"|发微信|微信(联系|上说|留言|回复)|给我留言"
)
# Letting staff call ("打给我女儿" is through family, not a call to the speaker).
_NOT_FAMILY = f"(?!({_FAMILY}))"
_CALLS = re.compile(
    rf"(给|帮)我打(个)?电话|打(个)?电话(给|找|联系)我{_NOT_FAMILY}|打给我{_NOT_FAMILY}"
    r"|打我(的)?(手机|电话|号码|这个号)|打这个(号码|号|电话|手机号)"
    r"|(可以|能|请|就|直接|随时|尽管|最好)(给我)?打(个)?电话|打(个)?电话(吧|也行|就行|可以|没问题|方便)"
    r"|电话联系|(能|可以)接电话|来电话"
)
# Asking for a family member instead.
_VIA_FAMILY = re.compile(
    rf"(找|联系|打给|通知|问|告诉|打电话给)(一下)?我(的)?({_FAMILY})"
    rf"|(跟|和|同|与|给)我(的)?({_FAMILY})(联系|说|讲|沟通|打电话|打|商量)"
    rf"|打我(的)?({_FAMILY})(的)?(电话|手机)"
    rf"|我(的)?({_FAMILY})(会|来|帮我)?(跟|和|给)你们(联系|说|讲|打)"
)
# The speaker's own hearing or speech: a reason for text, weaker than a stated wish.
_DEAF = re.compile(
    r"聋|耳背|听不见|听不到|听不清|听力(不好|差|残疾|障碍|有问题|不行)|耳朵(不好|不行|听不)|哑|不会说话|说不了话|不能说话|说话不清"
)
_NOT_DEAF = re.compile(r"(不|没|没有|不是)$")
_THIRD_PERSON = re.compile(rf"({_OTHERS})")
# Whoever last comes before a call word is its subject: someone else ("他打我电话"), or staff ("你们").
_THIRD_PARTY = re.compile(
    rf"{_OTHERS}|别人|有人|人家|陌生人|骗子|对方|邻居|房东|老板|债主|前夫|前妻|同事|朋友|催债|催收|推销|中介|某人"
)
_STAFF = re.compile(r"你们|您们|你|您|工作人员|残联|社区|政府|街道|民政")
_NOT_A_PERSON = re.compile(r"其他|其它|我们")  # "其他时间可以打电话": 他 here is nobody
# A clause telling of harm by phone: its call words are a complaint, never permission.
_HARM = re.compile(r"骂|威胁|恐吓|吓唬|骚扰|催债|催款|讨债|要债|逼债|诈骗|骗子|骗我|骗钱|欺负|辱骂|报复|纠缠|烦死|吼")
_ASKING_TO_CALL_US = re.compile(r"^我(可以|能)(给你们)?打(个)?电话(吗|么|嘛)")


# Every wish and every word of deafness holds one of these: most answers hold none, and skip the clauses.
_NEEDED = needed_chars(pattern.pattern for pattern in (_NO_CALLS, _TEXT, _CALLS, _VIA_FAMILY, _DEAF))


def _says_nothing_of_contact(text: str) -> bool:
    return _NEEDED is not None and _NEEDED.isdisjoint(text)


def _negated(clause: str, start: int) -> bool:
    return _NEGATION.search(clause[max(0, start - 4) : start]) is not None


def _someone_elses_call(clause: str, start: int) -> bool:
    """The call word at ``start`` tells of a call someone else makes, or of harm done by phone."""
    if _HARM.search(clause):
        return True
    before = _NOT_A_PERSON.sub("，", clause[:start])
    third = [match.end() for match in _THIRD_PARTY.finditer(before)]
    staff = [match.end() for match in _STAFF.finditer(before)]
    return bool(third) and (not staff or max(staff) < max(third))


def _wishes(clause: str) -> list[tuple[int, ContactPreference]]:
    """Explicit wishes in one clause, by position."""
    found: list[tuple[int, ContactPreference]] = []
    refused = [(m.start(), m.end()) for m in _NO_CALLS.finditer(clause)]
    found += [(start, ContactPreference.TEXT_ONLY) for start, _end in refused]

    def inside_refusal(start: int) -> bool:
        return any(lo <= start < hi for lo, hi in refused)

    for match in _TEXT.finditer(clause):
        if not _negated(clause, match.start()):
            found.append((match.start(), ContactPreference.TEXT_ONLY))
    if not _ASKING_TO_CALL_US.search(clause):
        for match in _CALLS.finditer(clause):
            if inside_refusal(match.start()) or _negated(clause, match.start()):
                continue
            if not _someone_elses_call(clause, match.start()):
                found.append((match.start(), ContactPreference.MAY_CALL))
    for match in _VIA_FAMILY.finditer(clause):
        if not _negated(clause, match.start()) and not _someone_elses_call(clause, match.start()):
            found.append((match.start(), ContactPreference.VIA_FAMILY))
    return found


def _own_deafness(clause: str) -> bool:
    for match in _DEAF.finditer(clause):
        before = clause[: match.start()]
        if _NOT_DEAF.search(before) or "听得见" in clause:
            continue
        if _THIRD_PERSON.search(before.replace("我们", "")):
            continue  # someone else's hearing: "我儿子耳朵聋"
        return True
    return False


def detect(text: str) -> ContactPreference | None:
    """The preference one message states, or None when it says nothing about being contacted."""
    if _says_nothing_of_contact(text):
        return None
    wishes: list[tuple[int, int, ContactPreference]] = []
    deaf = False
    # Recognised speech comes with spaces between words ("别 打 电话"): they separate nothing.
    for number, clause in enumerate(part for part in _CLAUSE.split(_SPACE.sub("", text)) if part):
        wishes += [(number, start, preference) for start, preference in _wishes(clause)]
        deaf = deaf or _own_deafness(clause)
    if wishes:
        return max(wishes, key=lambda wish: (wish[0], wish[1]))[2]
    return ContactPreference.TEXT_ONLY if deaf else None


def latest(texts: Iterable[str]) -> Heard | None:
    """The preference the last message that states one states, with that message."""
    heard: Heard | None = None
    for text in texts:
        preference = detect(text)
        if preference is not None:
            heard = Heard(preference, text)
    return heard


def states_a_wish(text: str) -> bool:
    """The message says outright how to be contacted ("别打电话", "发文字"), not only that the speaker cannot
    hear ("听力残疾" may answer a question about the disability)."""
    if _says_nothing_of_contact(text):
        return False
    return any(_wishes(clause) for clause in _CLAUSE.split(_SPACE.sub("", text)) if clause)
