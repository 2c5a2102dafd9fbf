"""Drive the dialog core with what a resident says, and name what it should say back.

Shared by the dialog tests so that each test reads as the conversation it checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import NoneType

from dialogs.choice_pages import labels
from dialogs.engine import step
from dialogs.events import CreateCase, Effect, Inbound, Reply, StepResult, UpdateProfile
from dialogs.pending import Proposal
from dialogs.render import render_text
from dialogs.schema import Catalog, Prompt, Prompts
from dialogs.state import Conversation

# A real moment (2026-05-28 UTC): ID numbers are checked against the day it falls on.
START = 1_780_000_000.0
# One message a minute: well inside the pause after which a returning resident is asked to resume.
MESSAGE_GAP = 60.0
TWO_DAYS = 2 * 86400.0

LIVING = "living-allowance"
NURSING = "nursing-allowance"
HANDOFF = "handoff"
LEGAL = "legal-aid"
CARD = "disability-card"

# The two digits a disability card adds to the ID: category then level (GB/T 26341).
CARD_CATEGORIES = {"视力": 1, "听力": 2, "言语": 3, "肢体": 4, "智力": 5, "精神": 6, "多重": 7}
CARD_LEVELS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}


def card_for(id_number: str, disability: str) -> str:
    """The disability card number of ``id_number`` for a disability said as "肢体二级"."""
    category, level = disability[:2], disability[2:]
    return f"{id_number}{CARD_CATEGORIES[category]}{CARD_LEVELS[level]}"


# Real-looking, checksummed numbers (GB 11643): the card number is the ID plus category and level,
# and for the nursing allowance it must agree with the disability said before it.
SELF_ID = "450202199001011237"
SELF_DISABILITY = "肢体二级"
SELF_CARD = card_for(SELF_ID, SELF_DISABILITY)  # ends in 42
PROXY_ID = "450225196003150020"
PROXY_DISABILITY = "智力一级"
PROXY_CARD = card_for(PROXY_ID, PROXY_DISABILITY)  # ends in 51
OTHER_ID = "450205201007074561"
OTHER_CARD = card_for(OTHER_ID, SELF_DISABILITY)
SELF_PHONE = "13812345678"
PROXY_PHONE = "13987654321"
NEW_PHONE = "13900001111"

# What a resident answers to each question when nothing special is going on, by step id.
SELF_ANSWERS: dict[str, dict[str, str]] = {
    LIVING: {
        "applicant": "给我自己申请",
        "has_card": "有",
        "dibao": "在领低保",
        "other_support": "都没有",
        "name": "张三",
        "id_number": SELF_ID,
        "card_number": SELF_CARD,
        "district": "柳北区",
        "phone": SELF_PHONE,
    },
    NURSING: {
        "applicant": "给我自己申请",
        "has_card": "有",
        "disability": SELF_DISABILITY,
        "long_term_care": "需要",
        "other_support": "都没有",
        "name": "张三",
        "id_number": SELF_ID,
        "card_number": SELF_CARD,
        "district": "柳北区",
        "phone": SELF_PHONE,
    },
}
PROXY_ANSWERS: dict[str, dict[str, str]] = {
    service: {
        **answers,
        "applicant": "替我妈申请",
        "relationship": "儿子",
        "proxy_name": "李四",
        "proxy_phone": PROXY_PHONE,
        "name": "王秀英",
        "id_number": PROXY_ID,
        "card_number": PROXY_CARD,
        "district": "融水",
        **({"disability": PROXY_DISABILITY} if "disability" in answers else {}),
    }
    for service, answers in SELF_ANSWERS.items()
}
# What a resident says at the main menu to open a service: the subsidies are a group, so "1" opens the
# group's short menu and a second number chooses within it.
MENU_PATH: dict[str, tuple[str, ...]] = {
    LIVING: ("1", "1"),
    NURSING: ("1", "2"),
    LEGAL: ("3",),
    CARD: ("4",),
    HANDOFF: ("5",),
}


def talk(
    catalog: Catalog,
    *messages: str,
    state: Conversation | None = None,
    start: float | None = None,
) -> list[StepResult]:
    """Send ``messages`` one after another, a minute apart, with increasing message ids.

    A fresh conversation starts at ``start`` (default ``START``); a given ``state`` goes on a minute
    after it was last seen unless ``start`` says otherwise.
    """
    current = state if state is not None else Conversation()
    if start is None:
        start = current.last_seen + MESSAGE_GAP if current.last_seen else START
    results: list[StepResult] = []
    for index, text in enumerate(messages):
        now = start + index * MESSAGE_GAP
        result = step(current, Inbound(text=text, message_id=f"m{now:.0f}", now=now), catalog)
        results.append(result)
        current = result.state
    return results


def then(catalog: Catalog, results: list[StepResult], *messages: str) -> list[StepResult]:
    """Go on with a conversation: ``results`` followed by the results of ``messages``."""
    return [*results, *talk(catalog, *messages, state=results[-1].state)]


def fill(
    catalog: Catalog,
    service: str,
    answers: Mapping[str, str],
    *,
    state: Conversation | None = None,
    opening: tuple[str, ...] = ("你好",),
) -> list[StepResult]:
    """Open ``service`` from the menu and answer each question it asks from ``answers`` (by step id)
    until it shows the summary, stops, or asks something ``answers`` does not know.

    An answer offered from what was said before ("您刚才说了……，对吗？") is answered the same way:
    the resident says their answer to the question itself."""
    results = talk(catalog, *opening, *MENU_PATH[service], state=state)
    for _ in range(40):
        application = results[-1].state.application
        pending = results[-1].state.pending
        if application is None or application.phase != "asking" or not isinstance(pending, NoneType | Proposal):
            break
        if application.step not in answers:
            break
        results = then(catalog, results, answers[application.step])
    return results


def last(results: list[StepResult]) -> StepResult:
    assert results, "no message was sent"
    return results[-1]


def texts(result: StepResult) -> list[str]:
    return [reply.text for reply in result.replies]


def said(result: StepResult) -> str:
    """Everything one step said, as the resident reads it (options numbered)."""
    return "\n".join(render_text(reply) for reply in result.replies)


def all_said(results: Iterable[StepResult]) -> str:
    return "\n".join(said(result) for result in results)


def cases(result: StepResult) -> list[CreateCase]:
    return [effect for effect in result.effects if isinstance(effect, CreateCase)]


def all_cases(results: Iterable[StepResult]) -> list[CreateCase]:
    return [case for result in results for case in cases(result)]


def profile_updates(effects: Iterable[Effect]) -> list[UpdateProfile]:
    return [effect for effect in effects if isinstance(effect, UpdateProfile)]


def current_step(state: Conversation) -> str | None:
    return state.application.step if state.application is not None else None


def prompt(catalog: Catalog, name: str, *, mode: str = "text", **values: str) -> str:
    """An engine prompt (prompts.yaml) as said in ``mode``, placeholders filled from ``values``."""
    found = getattr(catalog.prompts, name)
    assert isinstance(found, Prompt), f"{name} is not a prompt of {Prompts.__name__}"
    return _fill(found, mode, values)


def ask(catalog: Catalog, service: str, step_id: str, *, proxy: bool = False, mode: str = "text") -> str:
    """A question as the engine words it: ``{who}`` is 您, or the third person when a proxy applies."""
    who = prompt(catalog, "who_proxy" if proxy else "who_self", mode=mode)
    return _fill(catalog.services[service].step(step_id).ask, mode, {"who": who})


def rule_says(catalog: Catalog, service: str, rule_id: str, *, proxy: bool = False) -> str:
    who = prompt(catalog, "who_proxy" if proxy else "who_self")
    for rule in catalog.services[service].rules:
        if rule.id == rule_id:
            return _fill(rule.say, "text", {"who": who})
    raise KeyError(rule_id)


def menu_labels(catalog: Catalog, *, mode: str = "text") -> tuple[str, ...]:
    return tuple((item.simple if mode == "simple" and item.simple else item.label) for item in catalog.menu)


def step_options(catalog: Catalog, service: str, step_id: str, mode: str = "text") -> tuple[str, ...]:
    """The options a question is first offered with: its labels (a long list: its first four, then
    "其他选项"), or for yes/no its own two words (有/没有)."""
    current = catalog.services[service].step(step_id)
    if current.type == "yes_no":
        return current.yes_no_labels or ("是", "不是")
    return labels(current, later=False, more=catalog.prompts.more_options.for_mode(mode))


def _fill(found: Prompt, mode: str, values: Mapping[str, str]) -> str:
    text = found.for_mode(mode)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def reply(text: str, options: tuple[str, ...] = ()) -> Reply:
    return Reply(text=text, options=options)
