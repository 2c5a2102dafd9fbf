"""Answers the resident gave before the question: offered as the default when it comes.

"帮我爸爸申请，我是他女儿" answers the relationship question too, and "家里领低保" in the first message
answers the low-income question. Only a choice or a yes/no is offered this way, and only from a part
of a sentence that is about that question (it names the question's topic), so nothing is guessed. The
request that opened the application may also name one option outright ("想配助听器" at "想配哪一种辅具？"),
by a word of two or more characters that belongs to that option alone and is no negation or catch-all.
"""

from __future__ import annotations

import re
from datetime import date

from dialogs.answers import choice_options, parse_answer
from dialogs.clauses import clauses
from dialogs.pending import Proposal
from dialogs.relations import relation_in
from dialogs.schema import Step
from dialogs.state import Application
from dialogs.validators import Valid, normalize, parse_choice

_APPLICANT_FIELD = "applicant"
_RELATIONSHIP_FIELD = "proxy_relationship"
_PROXY = "proxy"
# Words that cannot name an option by themselves: "听不见", "不知道", "其他", "别的".
_NOT_NAMING = re.compile(r"[不没无]|其他|别的")


def proposal_for(step: Step, application: Application, *, today: date) -> Proposal | None:
    """An answer to ``step`` in what was said earlier in this application, if one is there."""
    if step.id in application.answers or step.id in application.proposed or step.type not in ("choice", "yes_no"):
        return None
    for text in reversed(application.said):
        found = _from_relation(step, text) if step.field in (_APPLICANT_FIELD, _RELATIONSHIP_FIELD) else None
        if found is None:
            found = _from_topic(step, text, today)
        if found is not None:
            return found
    return _from_option_words(step, application.said[0]) if application.said else None


def topic_answer(step: Step, text: str, *, today: date) -> Proposal | None:
    """An answer to the choice or yes/no ``step`` in a part of ``text`` that names its topic ("家里领低保")."""
    if step.type not in ("choice", "yes_no"):
        return None
    return _from_topic(step, text, today)


def _from_relation(step: Step, text: str) -> Proposal | None:
    relation = relation_in(text)
    if relation is None:
        return None
    if step.field == _APPLICANT_FIELD:
        if any(option.value == _PROXY for option in step.options):
            return Proposal(step.id, _PROXY, relation.heard)
        return None
    picked = parse_choice(relation.role, choice_options(step))
    return Proposal(step.id, picked.value, relation.heard) if isinstance(picked, Valid) else None


def _from_topic(step: Step, text: str, today: date) -> Proposal | None:
    topics = [normalize(word) for word in step.aliases if normalize(word)]
    for clause in clauses(text):
        said = normalize(clause)
        if not said or not any(topic in said for topic in topics):
            continue
        result = parse_answer(step, clause, today=today)
        if isinstance(result, Valid):
            return Proposal(step.id, result.value, clause)
    return None


def _from_option_words(step: Step, request: str) -> Proposal | None:
    """The one option the whole request names, quoting the part that names it; None for none or several."""
    if step.type != "choice" or step.field in (_APPLICANT_FIELD, _RELATIONSHIP_FIELD):
        return None  # who applies, and for whom, is read from how the person is named (above)
    named: dict[str, str] = {}
    for clause in clauses(request):
        said = normalize(clause)
        for option in step.options:
            words = (normalize(word) for word in (option.label, *option.synonyms))
            if any(len(word) >= 2 and not _NOT_NAMING.search(word) and word in said for word in words):
                named.setdefault(option.value, clause)
    if len(named) != 1:
        return None
    ((value, clause),) = named.items()
    return Proposal(step.id, value, clause)
