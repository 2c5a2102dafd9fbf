"""An answer to a later question of the same application, said before it was asked: kept, not lost.

At "请说一下您的手机号码" a resident may say "我爸叫刘建国". That is no phone number, but it plainly answers
"请说残疾人本人的姓名", still to come. Such an answer is kept with the application and offered for a yes
when its question comes ("您刚才说了……，对吗？"), as an earlier who-for answer already is.

Only answers that cannot be mistaken are kept: a number, a district, a category and level, an age
said as one ("8岁", "三个月", "今年七十三", "七十多了"), and a name said with "叫" or "是". Half of a
category and level ("肢体", then "二级") is kept as half, as it is when the question itself is asked. A
name is the speaker's own when said as "我叫…" or "我是…", else the other person's; and an answer that fits
two open questions equally (two phone numbers) is kept for neither. A question that hangs on an answer not
yet given ("视力一级" before "有没有残疾人证") can still be answered early; what is kept for a question
that then does not apply is never used.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from dialogs.answers import disability_answer, parse_answer
from dialogs.clauses import clauses
from dialogs.relations import relation_in
from dialogs.schema import Service, Step
from dialogs.state import Application
from dialogs.validators import Valid, ValidationResult, normalize, parse_yes_no

KEPT_TYPES = ("name", "mobile", "id_number", "disability_card", "district", "disability", "age")
# An age is kept only said as one ("他8岁", "三个月大", "她今年七十三", "七十多了"): a bare "8" chooses an option of
# the question asked.
_SAID_AS_AGE = re.compile(r"岁|个月|今年|[十百0-9]多了")
_OWN_NAME = re.compile(r"^(?:我叫|我是|我的名字|我姓名|本人叫|我本人叫)")
# "叫" names; "是" names only after the person it is said of ("她是韦秀英"): "是自己家的房子" names nobody.
_NAMED = re.compile(r"(?:名字叫|名字是|姓名是|叫做|叫|(?:我|他|她|本人|对方)是)(?P<name>.+)$")
# Words of a sentence, never of a name, that a name said in passing would otherwise take in ("她是我们村的").
_NOT_A_NAME = re.compile(r"的|了|们|自己|这|那|什么|怎么")
_PROXY_NAME = "proxy_name"
_APPLICANT = "applicant"
_SELF = "self"
QUOTE_LIMIT = 200
_NAMED_NOT_NUMBERED = ("district", "disability", "name")


def said_as_age(text: str) -> bool:
    """An age said as one ("他8岁"), not a number that may mean something else."""
    return _SAID_AS_AGE.search(text) is not None


def later_answer(
    service: Service,
    application: Application,
    current: Step,
    text: str,
    *,
    today: date,
    types: tuple[str, ...] = KEPT_TYPES,
) -> tuple[Step, Valid] | None:
    """The one open later question of ``types`` that ``text`` answers, with the answer; None when none or
    more than one."""
    found: list[tuple[Step, Valid]] = []
    for later in service.steps:
        if (
            later.id == current.id
            or later.type not in types
            or later.id in application.answers
            or not later.may_apply(application.answers)
        ):
            continue
        result = _answer_to(later, service, application, text, today)
        held = application.held.get(later.id)
        if result is not None and not (isinstance(held, dict) and held.get("value") == result.value):
            # A new value replaces one kept before ("区错了，是柳南区"); the same one again is no news.
            found.append((later, result))
    return found[0] if len(found) == 1 else None


def later_answers_in(
    service: Service, application: Application, current: Step, text: str, *, today: date
) -> list[tuple[Step, Valid, str]]:
    """Every open later question ``text`` answers, with the answer and the words it was said in: each of its
    clauses ("她叫韦秀英，身份证450225…" answers the name and the ID), then the whole message. A clause that
    answers the question asked (``current``) is left to it."""
    found: dict[str, tuple[Step, Valid, str]] = {}
    parts = [part for part in clauses(text) if part]
    for part in parts if len(parts) >= 2 else ():
        if isinstance(parse_answer(current, part, today=today), Valid):
            continue
        answered = later_answer(service, application, current, part, today=today)
        if answered is not None:
            found.setdefault(answered[0].id, (*answered, part))
    whole = later_answer(service, application, current, text, today=today)
    if whole is not None:
        found.setdefault(whole[0].id, (*whole, text))
    order = [step.id for step in service.steps]
    return sorted(found.values(), key=lambda each: order.index(each[0].id))


def answered_again(service: Service, application: Application, current: Step, text: str, *, today: date) -> Step | None:
    """The one question already answered that ``text`` answers again with the same value ("5岁" after the age
    was taken); None when none, more than one, or a new value (that is a correction, said as one)."""
    found = [
        earlier
        for earlier in service.steps
        if earlier.id != current.id
        and earlier.id in application.answers
        and (answer := _said_again(earlier, service, application, text, today, asked=current)) is not None
        and answer.value == application.answers[earlier.id]
    ]
    return found[0] if len(found) == 1 else None


def _said_again(
    earlier: Step, service: Service, application: Application, text: str, today: date, *, asked: Step
) -> Valid | None:
    if earlier.type in KEPT_TYPES:
        return _answer_to(earlier, service, application, text, today)
    # "我是他妈" once the relationship was taken; at the name question it is rather told it is no name.
    relationship_again = earlier.field == "proxy_relationship" and asked.type != "name"
    if earlier.type == "choice" and (_names_an_option(text) or relationship_again):
        result = parse_answer(earlier, text, today=today)  # "助听器" once the device was chosen
        return result if isinstance(result, Valid) else None
    return None


def _names_an_option(text: str) -> bool:
    """Not a number ("2" chooses in the question asked), a yes or no ("没有", "对"), or who someone is ("我是她
    儿子"): those fit many questions, so they are no sign of one answered before."""
    return (
        not any(ch.isdigit() for ch in text) and not isinstance(parse_yes_no(text), Valid) and relation_in(text) is None
    )


def later_half_answer(
    service: Service, application: Application, current: Step, text: str
) -> tuple[Step, ValidationResult, dict[str, Any]] | None:
    """The one open later category-and-level question that ``text`` answers half of ("肢体" at the relation
    question), or completes with the half kept before: the question, the result and the half to keep (empty
    once complete); None when none or more than one."""
    if any(ch.isdigit() for ch in normalize(text)):
        return None  # "2" chooses an option of the question asked
    found: list[tuple[Step, ValidationResult, dict[str, Any]]] = []
    for later in service.steps:
        if (
            later.id == current.id
            or later.type != "disability"
            or later.id in application.answers
            or later.id in application.held
            or not later.may_apply(application.answers)
        ):
            continue
        before = application.partial.get(later.id) or {}
        result, half = disability_answer(text, before)
        if isinstance(result, Valid) or half != before:
            found.append((later, result, half))
    return found[0] if len(found) == 1 else None


def _answer_to(later: Step, service: Service, application: Application, text: str, today: date) -> Valid | None:
    if later.type in _NAMED_NOT_NUMBERED and any(ch.isdigit() for ch in normalize(text)):
        return None  # "6" chooses an option of the question asked, never a district of a later one
    if later.type == "age" and not said_as_age(text):
        return None
    if later.type == "name":
        # Only the words after "叫"/"是" are the name: "我爸" before them names whose it is.
        named = next(filter(None, (_NAMED.search(clause) for clause in clauses(text))), None)
        if named is None or _own(normalize(text)) != (later.field == _PROXY_NAME or _for_self(service, application)):
            return None
        text = named.group("name")
        if _NOT_A_NAME.search(text):
            return None
    result = parse_answer(later, text, today=today)
    return result if isinstance(result, Valid) else None


def _own(said: str) -> bool:
    return bool(_OWN_NAME.search(said))


def _for_self(service: Service, application: Application) -> bool:
    """Applying for oneself: a name said as "我叫…" is the name the application asks for."""
    return any(s.field == _APPLICANT and application.answers.get(s.id) == _SELF for s in service.steps)


def kept(result: Valid, quote: str) -> dict[str, Any]:
    return {"value": result.value, "display": result.display, "quote": quote[:QUOTE_LIMIT]}
