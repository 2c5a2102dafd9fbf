"""Pure questions about where an application stands in its service: no replies, no state changes."""

from __future__ import annotations

from typing import Any

from dialogs.evolve import evolve
from dialogs.prepared import prepared
from dialogs.schema import Service, Step
from dialogs.state import Application
from dialogs.validators import normalize


def next_step(service: Service, answers: dict[str, Any], after: str | None, *, only_unanswered: bool) -> Step | None:
    """The first step after ``after`` whose conditions hold (optionally: not yet answered)."""
    started = after is None
    for candidate in service.steps:
        if not started:
            started = candidate.id == after
            continue
        if candidate.applies(answers) and not (only_unanswered and candidate.id in answers):
            return candidate
    return None


def answered_steps(service: Service, application: Application) -> list[Step]:
    """Answered steps that still apply (an answer can stop applying after a correction)."""
    return [s for s in service.steps if s.id in application.answers and s.applies(application.answers)]


def step_named(service: Service, application: Application, text: str) -> Step | None:
    """The answer a resident names when correcting ("电话号码错了"), by its longest alias."""
    said = normalize(text)
    best: tuple[int, Step] | None = None
    for candidate in answered_steps(service, application):
        for alias in (*candidate.aliases, candidate.label):
            word = normalize(alias)
            if word and word in said and (best is None or len(word) > best[0]):
                best = (len(word), candidate)
    return best[1] if best else None


def id_number_of(service: Service, answers: dict[str, Any]) -> str | None:
    for candidate in service.steps:
        if candidate.type == "id_number" and isinstance(answers.get(candidate.id), str):
            return str(answers[candidate.id])
    return None


def disability_of(service: Service, answers: dict[str, Any]) -> dict[str, Any] | None:
    for candidate in service.steps:
        value = answers.get(candidate.id)
        if candidate.type == "disability" and isinstance(value, dict):
            return value
    return None


def card_checks(service: Service, step: Step, answers: dict[str, Any]) -> dict[str, Any]:
    """What a card number is checked against: the ID and the disability given before it. Other steps
    need neither, so nothing is looked up for them."""
    if step.type != "disability_card":
        return {}
    return {"id_number": id_number_of(service, answers), "disability": disability_of(service, answers)}


def dependents(service: Service, changed: Step) -> list[Step]:
    """Steps whose answer was checked against ``changed`` and must be asked again when it changes."""
    if changed.type == "id_number":
        return [s for s in service.steps if s.type == "disability_card"]
    if changed.type == "disability":
        return [s for s in service.steps if s.type == "disability_card"]
    return []


def notes_for(service: Service, application: Application) -> tuple[str, ...]:
    """The note rules that hold for the answers as they stand now (not as they once were)."""
    current = {s.id: application.answers[s.id] for s in answered_steps(service, application)}
    return tuple(rule.id for rule in service.rules if rule.outcome == "note" and rule.applies(current))


def _step_ids(service: Service) -> frozenset[str]:
    return frozenset(s.id for s in service.steps)


def repair(service: Service, application: Application) -> Application:
    """Fit a stored application to content that changed since it was saved.

    Answers to steps that no longer exist are dropped; a current step that no longer exists moves to
    the first question still unanswered (or to the summary).
    """
    known = prepared(service, _step_ids)
    if (
        application.step in known
        and known.issuperset(application.answers)
        and known.issuperset(application.displays)
        and known.issuperset(application.history)
    ):
        return application  # the usual case, on every message: nothing to fit
    answers = {k: v for k, v in application.answers.items() if k in known}
    displays = {k: v for k, v in application.displays.items() if k in known}
    history = tuple(h for h in application.history if h in known)
    fixed = evolve(application, answers=answers, displays=displays, history=history)
    if application.step in known:
        return fixed
    following = next_step(service, answers, None, only_unanswered=True)
    if following is None:
        return evolve(fixed, step=history[-1] if history else service.steps[0].id, phase="confirming")
    return evolve(fixed, step=following.id, phase="asking", correcting=False)
