"""What a sentence says around the service words, which phrase matching alone misses.

- Negation: a service word right after "不是/不要/别/不想…" in the same clause is what the resident does
  not want ("不是要护理补贴，是生活补贴").
- A child: a word for a child ("娃", "孙女") or an age under 18 makes rehabilitation the children's
  rehabilitation, and a child's condition ("四岁了还不会说话") asks for it.
- School: a child's condition said with school words ("随班就读", "学校不收") asks for help with school
  (education-aid), not for rehabilitation.
- A barrier at home: a place in the home with something that cannot be passed ("门口有坎", "卫生间转不过来")
  asks for home changes, even when a wheelchair is mentioned; but never over a service the resident
  names outright ("我问的是残疾证，我爸瘫在床上出不了门"): what is named outweighs what is inferred.
"""

from __future__ import annotations

import re

from dialogs.validators.numbers import numeral_value

REHAB = "rehab"
CHILD_REHAB = "child-rehab"
HOME = "home-accessibility"
DEVICE = "assistive-device"
EDUCATION = "education-aid"
ADULT_AGE = 18
NAMED = 0.7  # a service's own phrase of three characters or more ("残疾证") names it outright
DENIAL_REACH = 9  # characters before a phrase that can hold its denial: a cue, a gap of 4, and look-behind

# Cues that deny what follows within a few characters; the look-behinds keep "要不要", "是不是",
# "想不想", "特别", "别人" from reading as a no.
_NEGATION = re.compile(
    r"(?:(?<!是)不是|(?<!要)不要|(?<!用)不用|(?<!想)不想|(?<!需)不需要|不问|不办|不申请|不用给|"
    r"(?<![特区分级类性])别(?![人的处]))"
    r"[^不别]{0,4}$"
)
_CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;、\s…~～]+")

_CHILD_WORDS = re.compile(
    r"娃|孩子|小孩|丫头|宝宝|宝贝|儿童|孙子|孙女|外孙|崽|小宝|婴儿|幼儿|幼儿园|上小学|小学生|初中生|闺女才|老二|老大"
)
_NUMBER = r"(?<![老第])([0-9]{1,3}|[一二两三四五六七八九十]{1,3})"
_AGE = re.compile(rf"{_NUMBER}(?:周)?岁|今年{_NUMBER}|(?:儿子|女儿|孩子|闺女)(?:今年)?{_NUMBER}了")
_CHILD_CONDITIONS = re.compile(
    r"不会说话|不怎么说话|说话不清|说话晚|不会走路|走路不稳|发育|智力|反应慢|听力|听不清|听不见|自闭|孤独症|脑瘫|"
    r"多动|腿不好|腿脚不方便|偏瘫|看不见|视力|不会叫人|不认人|摔跤|不会爬|不会坐|不会站|唐氏|含糊|口齿不清|说话不清楚|瘸|看不清"
)

_SCHOOL = re.compile(r"上学|学校|随班就读|特教|盲校|聋校|培智|学费|入学|读书|助学|上不了学")

_HOME_PLACE = re.compile(r"门|坎|台阶|楼梯|楼道|卫生间|洗手间|马桶|厕所|浴室|洗澡|厨房|灶台|家里|屋里|房间|床")
_HOME_BARRIER = re.compile(
    r"进不去|出不去|进不了|出不了|过不去|上不去|下不去|转不过来|转不开|够不着|够不到|蹲不下|太窄|太高|太小|有坎|有台阶|"
    r"改成坐便|蹲的|太滑|太陡|推不进|改一下|改改|坎|台阶|换成坐"
)


def clauses(text: str) -> list[str]:
    """The clauses of a message, split where the resident paused (punctuation or spaces)."""
    return [part for part in _CLAUSE_BREAK.split(text) if part]


def is_denied(before: str) -> bool:
    """Whether the words just before a service phrase, in its own clause, deny it."""
    return bool(_NEGATION.search(before))


def child_age(said: str) -> int | None:
    """The first age said in a (normalised) sentence, in years."""
    for match in _AGE.finditer(said):
        value = numeral_value(next(group for group in match.groups() if group))
        if value is not None:
            return value
    return None


def speaks_of_a_child(said: str) -> bool:
    age = child_age(said)
    if age is not None:
        return age < ADULT_AGE
    return bool(_CHILD_WORDS.search(said))


def adjust(said: str, scores: dict[str, float], services: frozenset[str]) -> None:
    """Move scores where the words around the phrases point (in place)."""
    age = child_age(said)
    if age is not None and age >= ADULT_AGE and REHAB in services and CHILD_REHAB in scores:
        # "我儿子今年三十了，脑瘫": a grown-up's rehabilitation, whatever the condition is called.
        scores[REHAB] = max(scores.get(REHAB, 0.0), scores.pop(CHILD_REHAB))
    if CHILD_REHAB in services and speaks_of_a_child(said):
        child = scores.get(CHILD_REHAB, 0.0)
        rehab = scores.pop(REHAB, 0.0) if REHAB in scores else 0.0
        condition = 0.7 if _CHILD_CONDITIONS.search(said) else 0.0
        best = max(child, rehab, condition)
        if best > 0.0:
            # A child's condition outweighs adult rehab and a device named with it ("孩子要配助听器" stays a device).
            scores[CHILD_REHAB] = max(best, rehab + 0.05) if rehab else best
    if EDUCATION in scores and CHILD_REHAB in scores and _SCHOOL.search(said):
        # "孩子听力不好，能随班就读吗": the school is asked about, the condition only describes the child.
        scores[EDUCATION] = max(scores[EDUCATION], scores.pop(CHILD_REHAB))
    named = max((v for s, v in scores.items() if s not in (HOME, DEVICE)), default=0.0)
    if HOME in services and _HOME_PLACE.search(said) and _HOME_BARRIER.search(said) and named < NAMED:
        rival = max((v for s, v in scores.items() if s == DEVICE), default=0.0)
        scores[HOME] = max(scores.get(HOME, 0.0), 0.75, rival + 0.05)
