"""The pure dialog core: ``step(state, event, catalog) -> (state', replies, effects)``.

No I/O and no clock: the event carries the time. Everything a resident can do at any point
(commands, pending yes/no questions) is handled here before the current question sees the text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dialogs.answers import is_skip, parse_answer
from dialogs.commands import Command, detect_command
from dialogs.events import CASE_ID_PLACEHOLDER, CreateCase, Effect, Inbound, Reply, StepResult, UpdateProfile
from dialogs.intents import route
from dialogs.render import render_text
from dialogs.schema import Catalog, Prompt, Service, Step
from dialogs.state import Application, Conversation, Pending, Turn
from dialogs.validators import ChoiceOption, Invalid, Valid, normalize, parse_choice, parse_yes_no

HANDOFF_SERVICE = "handoff"
MAX_TEXT = 1000
MISUNDERSTOOD_LIMIT = 3
RESUME_AFTER_SECONDS = 6 * 3600
YES_NO = ("是", "不是")


def step(state: Conversation, event: Inbound, catalog: Catalog) -> StepResult:
    """Advance one conversation by one message."""
    turn = _Turn(state, event, catalog)
    turn.run()
    return turn.result()


class _Turn:
    """The work of one message; a throwaway object so helpers can share the state being built."""

    def __init__(self, state: Conversation, event: Inbound, catalog: Catalog) -> None:
        self.state = state
        self.event = event
        self.catalog = catalog
        self.prompts = catalog.prompts
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.repeat_only = False

    # ----------------------------------------------------------------- entry

    def run(self) -> None:
        text = self.event.text.strip()
        returning_after_pause = (
            self.state.application is not None
            and self.state.pending is None
            and self.state.last_seen > 0
            and self.event.now - self.state.last_seen > RESUME_AFTER_SECONDS
        )
        if not text:
            self.say(self.prompts.empty_message)
            self.reask()
            return
        if len(text) > MAX_TEXT:
            self.say(self.prompts.too_long)
            self.reask()
            return
        command = detect_command(text, self.catalog.commands)
        if returning_after_pause and command not in ("repeat", "cancel", "handoff"):
            self.offer_resume()
            return
        if command is not None:
            self.command(command)
            return
        if self.state.pending is not None:
            self.answer_pending(text)
            return
        if self.state.application is not None:
            self.answer_application(text)
            return
        self.idle(text)

    def result(self) -> StepResult:
        state = replace(self.state, last_seen=self.event.now, greeted=True)
        if self.repeat_only:
            return StepResult(state=state, replies=tuple(self.replies), effects=tuple(self.effects))
        bot_text = "\n".join(render_text(r) for r in self.replies)
        state = replace(state, last_replies=tuple(r.to_dict() for r in self.replies)).with_turns(
            Turn("resident", self.event.text[:MAX_TEXT]), Turn("bot", bot_text)
        )
        return StepResult(state=state, replies=tuple(self.replies), effects=tuple(self.effects))

    # ----------------------------------------------------------------- speaking

    def text_of(self, prompt: Prompt, **values: str) -> str:
        text = prompt.for_mode(self.state.mode)
        if "{who}" in text and "who" not in values:
            values["who"] = self.who()
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    def who(self) -> str:
        """How the person the application is for is named: "您", or a third person for a proxy."""
        application = self.state.application
        if application is not None:
            service = self.service(application)
            for candidate in service.steps:
                if candidate.field == "applicant" and application.answers.get(candidate.id) == "proxy":
                    return self.prompts.who_proxy.for_mode(self.state.mode)
        return self.prompts.who_self.for_mode(self.state.mode)

    def say(self, prompt: Prompt, options: tuple[str, ...] = (), **values: str) -> None:
        self.replies.append(Reply(self.text_of(prompt, **values), options))

    def say_text(self, text: str, options: tuple[str, ...] = ()) -> None:
        self.replies.append(Reply(text, options))

    def misunderstood(self) -> bool:
        """Count one more misunderstanding; True when it is time to offer a person instead."""
        count = self.state.misunderstood + 1
        if count >= MISUNDERSTOOD_LIMIT:
            self.state = replace(self.state, misunderstood=0, pending="handoff")
            self.say(self.prompts.handoff_offer, YES_NO)
            return True
        self.state = replace(self.state, misunderstood=count)
        return False

    def understood(self) -> None:
        if self.state.misunderstood:
            self.state = replace(self.state, misunderstood=0)

    # ----------------------------------------------------------------- commands

    def command(self, command: Command) -> None:
        application = self.state.application
        if command == "repeat":
            self.repeat_only = True
            if self.state.last_replies:
                self.replies.extend(Reply.from_dict(r) for r in self.state.last_replies)
            else:
                self.say(self.prompts.nothing_to_repeat)
                self.show_menu()
            return
        if command == "help":
            self.say(self.prompts.help)
            self.reask()
        elif command in ("mode_voice", "mode_text", "mode_simple"):
            mode = command.removeprefix("mode_")
            self.state = replace(self.state, mode=mode)  # type: ignore[arg-type]
            self.effects.append(UpdateProfile(mode=mode))
            self.say(getattr(self.prompts, f"mode_changed_{mode}"))
            self.reask()
        elif command == "handoff":
            self.state = replace(self.state, pending=None)
            self.hand_off()
        elif command == "back":
            self.go_back()
        elif application is None:
            self.state = replace(self.state, pending=None)
            if command == "cancel":
                self.say(self.prompts.cancelled)
            self.show_menu()
        elif command == "menu":
            self.reask()
        else:  # cancel or restart an application: ask first, nothing is thrown away by accident
            pending: Pending = "cancel" if command == "cancel" else "restart"
            self.state = replace(self.state, pending=pending)
            prompt = self.prompts.cancel_confirm if command == "cancel" else self.prompts.restart_confirm
            self.say(prompt, YES_NO, service=self.service(application).short_name)

    def go_back(self) -> None:
        application = self.state.application
        if self.state.pending is not None:
            self.state = replace(self.state, pending=None)
            self.reask()
            return
        if application is None:
            self.show_menu()
            return
        if application.phase != "asking" or application.correcting:
            last = application.history[-1] if application.history else application.step
            self.state = replace(
                self.state, application=replace(application, phase="asking", step=last, correcting=False)
            )
            self.ask_current()
            return
        if not application.history:
            self.say(self.prompts.back_at_first)
            self.ask_current()
            return
        previous = application.history[-1]
        answers = {k: v for k, v in application.answers.items() if k != previous}
        displays = {k: v for k, v in application.displays.items() if k != previous}
        self.state = replace(
            self.state,
            application=replace(
                application,
                step=previous,
                history=application.history[:-1],
                answers=answers,
                displays=displays,
            ),
        )
        self.ask_current()

    # ----------------------------------------------------------------- pending questions

    def answer_pending(self, text: str) -> None:
        pending = self.state.pending
        application = self.state.application
        if pending == "resume":
            options = [
                ChoiceOption("continue", "接着填", ("继续", "接着", "接着办", "好", "是", "对")),
                ChoiceOption("restart", "重新开始", ("重来", "从头")),
                ChoiceOption("cancel", "不办了", ("取消", "不要", "不用", "不")),
            ]
            result = parse_choice(text, options)
            if isinstance(result, Invalid):
                if not self.misunderstood():
                    self.say_text(result.reason)
                    self.offer_resume()
                return
            self.understood()
            self.state = replace(self.state, pending=None)
            if result.value == "continue":
                self.say(self.prompts.resumed)
                self.ask_current()
            elif result.value == "restart" and application is not None:
                self.start(self.service(application), intro=False)
            else:
                self.state = replace(self.state, application=None)
                self.say(self.prompts.cancelled)
                self.show_menu()
            return
        result = parse_yes_no(text)
        if isinstance(result, Invalid):
            if not self.misunderstood():
                self.say_text(result.reason, YES_NO)
            return
        self.understood()
        self.state = replace(self.state, pending=None)
        if pending == "handoff":
            if result.value:
                self.hand_off()
            else:
                self.say(self.prompts.handoff_declined)
                self.reask()
        elif pending == "cancel":
            if result.value:
                self.state = replace(self.state, application=None)
                self.say(self.prompts.cancelled)
                self.show_menu()
            else:
                self.reask()
        elif pending == "restart":
            if result.value and application is not None:
                self.start(self.service(application), intro=False)
            else:
                self.reask()

    def offer_resume(self) -> None:
        application = self.state.application
        assert application is not None
        self.state = replace(self.state, pending="resume")
        done = len(application.answers)
        self.say(
            self.prompts.resume_offer,
            ("接着填", "重新开始", "不办了"),
            service=self.service(application).short_name,
            count=str(done),
        )

    # ----------------------------------------------------------------- no application

    def idle(self, text: str) -> None:
        if not self.state.greeted:
            self.say(self.prompts.welcome)
        chosen = self.menu_choice(text)
        if chosen is None:
            chosen = route(text, self.catalog).service
        if chosen is not None:
            self.understood()
            self.start(self.catalog.services[chosen], intro=True)
            return
        if not self.state.greeted:
            self.show_menu()
            return
        if not self.misunderstood():
            self.say(self.prompts.not_understood)
            self.show_menu()

    def menu_choice(self, text: str) -> str | None:
        options = [
            ChoiceOption(item.service, item.label, (self.catalog.services[item.service].short_name,))
            for item in self.catalog.menu
        ]
        result = parse_choice(text, options)
        return result.value if isinstance(result, Valid) else None

    def show_menu(self) -> None:
        labels = tuple(
            (item.simple if self.state.mode == "simple" and item.simple else item.label) for item in self.catalog.menu
        )
        self.say(self.prompts.menu_intro, labels)

    # ----------------------------------------------------------------- applications

    def service(self, application: Application) -> Service:
        return self.catalog.services[application.service]

    def start(self, service: Service, *, intro: bool) -> None:
        first = _next_step(service, {}, None, only_unanswered=False)
        assert first is not None
        application = Application(
            service=service.id, application_id=f"{service.id}-{self.event.message_id}", step=first.id
        )
        self.state = replace(self.state, application=application, pending=None)
        if intro:
            self.say(service.intro)
        self.ask_current()

    def reask(self) -> None:
        if self.state.pending == "handoff":
            self.say(self.prompts.handoff_offer, YES_NO)
        elif self.state.pending == "resume":
            self.offer_resume()
        elif self.state.pending in ("cancel", "restart") and self.state.application is not None:
            prompt = self.prompts.cancel_confirm if self.state.pending == "cancel" else self.prompts.restart_confirm
            self.say(prompt, YES_NO, service=self.service(self.state.application).short_name)
        elif self.state.application is not None:
            self.ask_current()
        else:
            self.show_menu()

    def ask_current(self) -> None:
        application = self.state.application
        assert application is not None
        service = self.service(application)
        if application.phase == "confirming":
            self.show_summary(service, application)
            return
        if application.phase == "choosing_correction":
            self.say(self.prompts.which_to_correct, tuple(s.label for s in _answered_steps(service, application)))
            return
        current = service.step(application.step)
        self.say(current.ask, _options_of(current))
        if current.optional:
            self.say(self.prompts.skip_hint)

    def answer_application(self, text: str) -> None:
        application = self.state.application
        assert application is not None
        service = self.service(application)
        if application.phase == "confirming":
            self.answer_summary(service, application, text)
            return
        if application.phase == "choosing_correction":
            self.choose_correction(service, application, text)
            return
        current = service.step(application.step)
        result: Valid | Invalid
        if current.optional and is_skip(text):
            result = Valid(value=None, display="没有")
        else:
            result = parse_answer(current, text, _id_number(service, application.answers))
        if isinstance(result, Invalid):
            if not self.misunderstood():
                # The reason already says what to do; only a list of options needs repeating.
                self.say_text(result.reason, _options_of(current))
            return
        self.understood()
        answers = {**application.answers, current.id: result.value}
        displays = {**application.displays, current.id: result.display}
        history = application.history if current.id in application.history else (*application.history, current.id)
        application = replace(application, answers=answers, displays=displays, history=history)
        self.state = replace(self.state, application=application)
        for rule in service.rules:
            if rule.after == current.id and rule.applies(answers):
                if rule.outcome == "stop":
                    self.say(rule.say)
                    self.state = replace(self.state, application=None)
                    self.say(self.prompts.stop_footer)
                    return
                if rule.id not in application.notes:
                    application = replace(application, notes=(*application.notes, rule.id))
                    self.state = replace(self.state, application=application)
                self.say(rule.say)
        following = _next_step(service, answers, current.id, only_unanswered=application.correcting)
        if application.correcting and following is None:
            following = _next_step(service, answers, None, only_unanswered=True)
        if following is not None:
            self.state = replace(self.state, application=replace(application, step=following.id))
            self.ask_current()
        elif service.confirm:
            if application.correcting:
                self.say(self.prompts.correction_done)
            self.state = replace(self.state, application=replace(application, phase="confirming", correcting=False))
            self.ask_current()
        else:
            self.submit(service, application)

    def show_summary(self, service: Service, application: Application) -> None:
        # Not numbered: while confirming, numbers mean the yes/no options below.
        lines = [
            f"{s.label}：{application.displays.get(s.id, '没有')}。" for s in _answered_steps(service, application)
        ]
        self.say_text(self.text_of(self.prompts.summary_intro, service=service.short_name) + "\n" + "\n".join(lines))
        self.say(self.prompts.summary_question, YES_NO)

    def answer_summary(self, service: Service, application: Application, text: str) -> None:
        target = _step_named(service, application, text)
        if target is not None:
            self.correct(application, target)
            return
        result = parse_yes_no(text)
        if isinstance(result, Valid) and result.value:
            self.understood()
            self.submit(service, application)
        elif isinstance(result, Valid):
            self.understood()
            self.state = replace(self.state, application=replace(application, phase="choosing_correction"))
            self.ask_current()
        elif not self.misunderstood():
            self.say(self.prompts.summary_question, YES_NO)

    def choose_correction(self, service: Service, application: Application, text: str) -> None:
        target = _step_named(service, application, text)
        if target is None:
            steps = _answered_steps(service, application)
            options = [ChoiceOption(s.id, s.label, s.aliases) for s in steps]
            picked = parse_choice(text, options)
            if isinstance(picked, Valid):
                target = service.step(str(picked.value))
        if target is None:
            if not self.misunderstood():
                self.ask_current()
            return
        self.correct(application, target)

    def correct(self, application: Application, target: Step) -> None:
        self.understood()
        self.state = replace(
            self.state, application=replace(application, phase="asking", step=target.id, correcting=True)
        )
        self.ask_current()

    def submit(self, service: Service, application: Application) -> None:
        answers = {s.id: application.answers.get(s.id) for s in _answered_steps(service, application)}
        displays = {k: application.displays[k] for k in answers if k in application.displays}
        fields: dict[str, Any] = {
            str(s.field): answers.get(s.id) for s in service.steps if s.field is not None and s.id in answers
        }
        self.effects.append(
            CreateCase(
                service=service.id,
                team=service.team,
                application_id=application.application_id,
                answers=answers,
                displays=displays,
                fields=fields,
                notes=application.notes,
            )
        )
        self.state = replace(self.state, application=None)
        self.say(service.done, case_id=CASE_ID_PLACEHOLDER)
        if service.documents:
            self.say(self.prompts.documents_intro, tuple(service.documents))
        for extra in (service.where, service.next_steps):
            if extra is not None:
                self.say(extra)

    def hand_off(self) -> None:
        """File a request for a person; an unfinished application stays where it was."""
        service = self.catalog.services[HANDOFF_SERVICE]
        current = self.state.application
        transcript = " / ".join(t.text for t in self.state.transcript[-6:] if t.who == "resident")
        answers: dict[str, Any] = {"recent_messages": transcript or self.event.text[:MAX_TEXT]}
        if current is not None:
            answers["unfinished_service"] = current.service
        self.effects.append(
            CreateCase(
                service=service.id,
                team=service.team,
                application_id=f"{HANDOFF_SERVICE}-{self.event.message_id}",
                answers=answers,
                displays={},
                fields={},
                notes=(),
            )
        )
        self.say(service.done, case_id=CASE_ID_PLACEHOLDER)
        if current is not None:
            self.say(self.prompts.resumed)
            self.ask_current()


def _next_step(service: Service, answers: dict[str, Any], after: str | None, *, only_unanswered: bool) -> Step | None:
    """The first step after ``after`` whose conditions hold (optionally: not yet answered)."""
    started = after is None
    for candidate in service.steps:
        if not started:
            started = candidate.id == after
            continue
        if candidate.applies(answers) and not (only_unanswered and candidate.id in answers):
            return candidate
    return None


def _options_of(current: Step) -> tuple[str, ...]:
    if current.type == "yes_no":
        return YES_NO
    return tuple(o.label for o in current.options)


def _answered_steps(service: Service, application: Application) -> list[Step]:
    return [s for s in service.steps if s.id in application.answers and s.applies(application.answers)]


def _step_named(service: Service, application: Application, text: str) -> Step | None:
    """The answer a resident names when correcting ("电话号码错了"), by its longest alias."""
    said = normalize(text)
    best: tuple[int, Step] | None = None
    for candidate in _answered_steps(service, application):
        for alias in (*candidate.aliases, candidate.label):
            word = normalize(alias)
            if word and word in said and (best is None or len(word) > best[0]):
                best = (len(word), candidate)
    return best[1] if best else None


def _id_number(service: Service, answers: dict[str, Any]) -> str | None:
    for candidate in service.steps:
        if candidate.type == "id_number" and isinstance(answers.get(candidate.id), str):
            return str(answers[candidate.id])
    return None
