"""A correction that carries its new value: "不对 电话号码错了 应该是13977218868", "区错了，是城中区",
"好了，我妈叫王桂兰". The value is taken at once instead of asking the question again."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from dialogs.answers import disability_answer, parse_answer
from dialogs.flow import answered_steps, card_checks, step_named
from dialogs.schema import Service, Step
from dialogs.state import Application
from dialogs.validators import Valid, normalize, parse_yes_no
from dialogs.validators.numbers import answer_number

_SAYS_WRONG = ("错", "不对", "改", "应该是", "写成", "搞错")
# The new value comes after these: "应该是……", "改成……", "是……", "叫……".
_BEFORE_VALUE = re.compile(r"应该是|应该叫|改成|改为|换成|正确的是|是|叫|为")
_BEFORE_NAME = re.compile(r"叫|名字是|姓名是|名字应该是|是")
_VALUE_TYPES = ("mobile", "id_number", "disability_card", "district", "name", "disability")
_DIGITS = re.compile(r"[0-9xX]{11,20}")
_CLAUSE_END = re.compile(r"[，,。！!？?；;\s]")
_SHORT_YES = 3
_SPEAKER = ("我叫", "我的名字", "我名字", "我的姓名")
_PROXY_FIELDS = ("proxy_name", "proxy_phone")


# "不错" and "没错" say right, not wrong; "改造" (a home made accessible) changes no answer.
_NOT_WRONG = re.compile(r"[不没]错|改造|改善|改装|改建")


# "不是王强，是王刚": the value said to be wrong, then the right one.
_CONTRAST = re.compile(r"不是[^，,。；;！!？?]+[，,。；;\s]*(?:应该|而)?是.")


def says_wrong(text: str) -> bool:
    said = _NOT_WRONG.sub("", text)
    return any(word in said for word in _SAYS_WRONG) or _CONTRAST.search(said) is not None


def correction_in(
    service: Service, application: Application, text: str, *, at_summary: bool, today: date
) -> tuple[Step, Valid] | None:
    """The answered step ``text`` gives a new value for, with that value; None if it gives none.

    Outside the summary only a text that says something was wrong counts ("不对", "错了", "改成").
    """
    if not at_summary and not says_wrong(text):
        return None
    said = normalize(text)
    if answer_number(said) is not None:
        return None  # "1" at the summary is the first option, yes, not a district or a number to change
    if len(said) <= _SHORT_YES and isinstance(parse_yes_no(said), Valid):
        return None  # "是的", "对": a plain answer carries no new value
    named = step_named(service, application, text)
    answered = answered_steps(service, application)
    if named is not None and named.type == "name":
        candidates = [s for s in answered if s.type == "name"]  # whose name: decided by who is speaking
    elif named is not None and named.type in _VALUE_TYPES:
        candidates = [named]
    else:
        candidates = [s for s in answered if s.type in _VALUE_TYPES]
    found: list[tuple[Step, Valid]] = []
    for candidate in candidates:
        value = _value_for(service, application, candidate, text, today)
        if value is not None and value.value != application.answers.get(candidate.id):
            found.append((candidate, value))
    found = _whose_name(found, text)
    if not found and not at_summary:
        return _retold(service, application, text, today)
    return found[0] if len(found) == 1 else None


def _retold(service: Service, application: Application, text: str, today: date) -> tuple[Step, Valid] | None:
    """ "不对，是被开除了" just after "发生了什么事？" was answered: the account told again replaces it."""
    last = next((s for s in service.steps if application.history and s.id == application.history[-1]), None)
    if last is None or last.type != "text" or last.id not in application.answers:
        return None
    parts = _BEFORE_VALUE.split(text, maxsplit=1)
    retold = parts[1].lstrip("，。,. ：:") if len(parts) > 1 else text
    value = parse_answer(last, retold, today=today)
    return (last, value) if isinstance(value, Valid) and value.value != application.answers[last.id] else None


def _fragments(step: Step, text: str) -> list[str]:
    marker = _BEFORE_NAME if step.type == "name" else _BEFORE_VALUE
    parts = marker.split(text)
    # The value runs to the end of its clause: "我叫李小四，名字写错了".
    fragments = [_CLAUSE_END.split(parts[-1].lstrip("，。,. ：:"))[0]] if len(parts) > 1 else []
    if step.type == "name":
        return [f for f in fragments if f]
    digits = _DIGITS.findall(normalize(text))
    return [f for f in (*fragments, *digits, text) if f]


def _value_for(service: Service, application: Application, step: Step, text: str, today: date) -> Valid | None:
    for fragment in _fragments(step, text):
        result = (
            parse_answer(
                step,
                fragment,
                today=today,
                **card_checks(service, step, application.answers),
            )
            if step.type != "disability"
            else _disability(application, step, fragment)
        )
        if isinstance(result, Valid):
            return result
    return None


def _disability(application: Application, step: Step, fragment: str) -> Valid | None:
    """ "等级错了，是一级": half a disability answer completes the one given before."""
    before: dict[str, Any] = application.answers.get(step.id) or {}
    result, _ = disability_answer(fragment, before if isinstance(before, dict) else {})
    return result if isinstance(result, Valid) else None


def _whose_name(found: list[tuple[Step, Valid]], text: str) -> list[tuple[Step, Valid]]:
    """Two names could change: "我叫……" is the resident's own, anything else the person applied for."""
    names = [pair for pair in found if pair[0].type == "name"]
    if len(names) < 2:
        return found
    own = any(word in normalize(text) for word in _SPEAKER)
    keep = [pair for pair in names if (pair[0].field in _PROXY_FIELDS) == own]
    return [pair for pair in found if pair[0].type != "name"] + keep
