"""What a resident is likely to say next: the phrases speech recognition should listen for.

At a menu or a yes/no question the answer is one of a few phrases, and recognising against that
short list (Vosk's grammar mode) is fast and accurate. Where the answer is open (a name, an ID
number) there is no list, and recognition runs free.
"""

from __future__ import annotations

import cn2an

from dialogs.engine import MODE_OPTIONS, RESUME_OPTIONS, YES_NO
from dialogs.evolve import evolve
from dialogs.pending import Cancel, Guess, Handoff, Heard, ModeQuestion, Offer, Proposal, ReadBack, Restart, Resume
from dialogs.schema import Catalog
from dialogs.state import Conversation
from dialogs.validators import DISTRICTS

_YES_NO_WORDS = ("是", "是的", "对", "不是", "不对", "有", "没有", "好", "不要", "要", "需要", "不需要")


def _numbers(count: int) -> list[str]:
    return [str(cn2an.an2cn(n)) for n in range(1, count + 1)] + [f"第{cn2an.an2cn(n)}个" for n in range(1, count + 1)]


def _commands(catalog: Catalog) -> list[str]:
    commands = catalog.commands
    return [
        *commands.repeat,
        *commands.back,
        *commands.cancel,
        *commands.handoff,
        *commands.help,
        *commands.slower,
        *commands.faster,
        *commands.restart,
    ]


def expected_phrases(state: Conversation, catalog: Catalog) -> list[str] | None:
    """Phrases to listen for now, or None when the answer is open and recognition should run free."""
    phrases = _expected(state, catalog)
    if phrases is None:
        return None
    unique = list(dict.fromkeys(p for p in [*phrases, *_commands(catalog)] if p))
    return unique


def _expected(state: Conversation, catalog: Catalog) -> list[str] | None:
    pending = state.pending
    if isinstance(pending, Proposal):
        # "您刚才说了……，对吗？" is answered yes or no, or with an answer to the question itself.
        question = _expected(evolve(state, pending=None), catalog)
        return [*YES_NO, *_YES_NO_WORDS, *(question or [])]
    if isinstance(pending, Cancel | Restart | Handoff | Heard | ReadBack | Offer):
        return [*YES_NO, *_YES_NO_WORDS, *_numbers(2)]
    if isinstance(pending, Guess) and pending.service in catalog.services:
        # "您是想办……吗？": yes or no, the guess by number or name, or "something else" — or anything at all.
        guessed = catalog.services[pending.service]
        other = (catalog.prompts.something_else.text, *catalog.commands.something_else)
        return [*YES_NO, *_YES_NO_WORDS, *_numbers(2), guessed.name, guessed.short_name, *other]
    if isinstance(pending, ModeQuestion):
        return [word for option in MODE_OPTIONS for word in (option.label, *option.synonyms)] + _numbers(3)
    if isinstance(pending, Resume):
        return [word for option in RESUME_OPTIONS for word in (option.label, *option.synonyms)] + _numbers(3)
    application = state.application
    if application is None:
        labels = [item.label for item in catalog.menu]
        members = [s for item in catalog.menu for s in ((item.service,) if item.service else item.services)]
        names = [word for s in members for word in (catalog.services[s].name, catalog.services[s].short_name)]
        return [*labels, *names, *_numbers(max(len(labels), 5))]
    service = catalog.services.get(application.service)
    if service is None:
        return None
    if application.phase in ("confirming",):
        return [*YES_NO, *_YES_NO_WORDS, "确认", "提交"]
    if application.phase == "choosing_correction":
        return None
    try:
        current = service.step(application.step)
    except KeyError:
        return None
    if current.type == "choice":
        words = [w for option in current.options for w in (option.label, *option.synonyms)]
        return [*words, *_numbers(len(current.options))]
    if current.type == "yes_no":
        return [*(current.yes_no_labels or ()), *YES_NO, *_YES_NO_WORDS, *_numbers(2)]
    if current.type == "district":
        return [name for district in DISTRICTS for name in (district.name, district.short)]
    return None
