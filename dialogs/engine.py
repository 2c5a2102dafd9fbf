"""The pure dialog core: ``step(state, event, catalog) -> (state', replies, effects)``.

No I/O and no clock: the event carries the time. Everything a resident can do at any point
(commands, pending yes/no questions) is handled here before the current question sees the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Generic, TypeVar

import cn2an

from dialogs.answers import choice_options, disability_answer, is_skip, parse_age, parse_answer
from dialogs.choice_pages import AT_ONCE, MORE, is_paged, labels, parse_page
from dialogs.clauses import clauses
from dialogs.commands import Command, detect_command, is_exact_command, says_what_for
from dialogs.contact_preference import ContactPreference, states_a_wish
from dialogs.contact_preference import detect as contact_wish_in
from dialogs.corrections import correction_in, says_wrong
from dialogs.events import (
    CASE_ID_PLACEHOLDER,
    AddToCase,
    CreateCase,
    Effect,
    Inbound,
    RecordContactPreference,
    Reply,
    ReportStatus,
    StepResult,
    UpdateProfile,
)
from dialogs.evolve import evolve
from dialogs.faq import match_faq
from dialogs.flow import (
    answered_steps,
    card_checks,
    dependents,
    next_step,
    notes_for,
    repair,
    step_named,
)
from dialogs.intents import route
from dialogs.later_answers import answered_again, later_answer, later_answers_in, later_half_answer, said_as_age
from dialogs.later_answers import kept as kept_answer
from dialogs.mode_choice import cannot_hear, clear_mode_choice
from dialogs.money import fitting, money_clauses, next_question, screening_answer
from dialogs.not_at_hand import NUMBER_TYPES, card_not_with_me, not_at_hand, numbers_named
from dialogs.pending import (
    REQUEST_LIMIT,
    Cancel,
    Guess,
    Handoff,
    Heard,
    ModeQuestion,
    Money,
    Offer,
    PendingQuestion,
    Proposal,
    ReadBack,
    Reading,
    Restart,
    Resume,
    Which,
)
from dialogs.prepared import prepared
from dialogs.proposals import proposal_for, topic_answer
from dialogs.render import render_text
from dialogs.safety import detect_crisis, find_warning, keeps_story
from dialogs.schema import Catalog, Commands, Faq, Prompt, SafetyCategory, Service, Step
from dialogs.state import SAID_LIMIT, Application, Conversation, Turn
from dialogs.validators import (
    ChoiceOption,
    Invalid,
    Valid,
    normalize,
    parse_choice,
    parse_disability,
    parse_district,
    parse_yes_no,
)
from dialogs.validators.disability_codes import describe_disability
from dialogs.validators.numbers import answer_number
from dialogs.validators.person_name import OTHER_ANSWER
from dialogs.validators.yes_no import YES_NO_UNCLEAR, states_possession
from dialogs.waiting import asks_to_wait, is_back

Question = TypeVar("Question", bound=PendingQuestion)
LIUZHOU = timezone(timedelta(hours=8))
HANDOFF_SERVICE = "handoff"
GROUP_PREFIX = "group:"
MAX_TEXT = 1000
MISUNDERSTOOD_LIMIT = 3
SHORT_YES_NO = 3  # "是的呀": longer answers to "对吗？" may carry an answer of their own
MISSES_AFTER_HANDOFF_OFFER = 2  # then a person is asked for without asking again
RESUME_AFTER_SECONDS = 6 * 3600
# Mid-application, another service is turned to only when the message asks for it ("算了，我想问法律援助")
# or names it in full ("法律援助"): "孩子是自闭症" describes the child, it does not ask for 康复救助.
_NAMES_A_SERVICE = 0.85
_ASKS_FOR = re.compile(r"想|要|申请|办|问|咨询|算了|换")
# In ``handoff_for``: the open request for a person is the urgent one a danger word filed.
URGENT = "!urgent"
RECENT_TURNS = 10  # a warning said in the last few turns is not said again
READ_BACK = ("id_number", "disability_card", "mobile")
CONFIDENT_SPEECH = 0.6  # below this, "您是说……吗？" before acting on what was heard
YES_NO = ("是", "不是")
RESUME_OPTIONS = (
    ChoiceOption("continue", "接着填", ("继续", "接着", "接着办", "好", "是", "对")),
    ChoiceOption("restart", "重新开始", ("重来", "从头", "重新填")),
    ChoiceOption("cancel", "不办了", ("取消", "不要", "不用", "不")),
)


MODE_OPTIONS = (
    ChoiceOption("voice", "语音", ("语音回答", "说话", "声音", "听")),
    ChoiceOption("text", "文字", ("打字", "文字回答", "看字")),
    ChoiceOption("simple", "简单的话", ("简单", "简单一点", "说简单点")),
)


def step(state: Conversation, event: Inbound, catalog: Catalog) -> StepResult:
    """Advance one conversation by one message."""
    turn = _Turn(state, event, catalog)
    turn.run()
    return turn.result()


# A run of digits, written or spoken, long enough to be a phone, ID or card number.
_LONG_NUMBER = re.compile(r"[0-9零〇一二三四五六七八九幺两]{7,}")


class _Turn:
    """The work of one message; a throwaway object so helpers can share the state being built."""

    def __init__(self, state: Conversation, event: Inbound, catalog: Catalog) -> None:
        self.state = state
        self.event = event
        self.catalog = catalog
        self.prompts = catalog.prompts
        self.today = local_date(event.now)  # from the message, never a clock: the core stays pure
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.repeat_only = False
        self.earlier_request = ""  # the words of a question this message answered, for what it opens

    # ----------------------------------------------------------------- entry

    def run(self) -> None:
        if self.event.kind == "subscribe":
            self.fit_to_content()
            self.subscribed()
            return
        text = self.event.text.strip()
        first_contact = not self.state.greeted
        if first_contact:
            self.say(self.prompts.welcome)
        self.fit_to_content()
        unheard = self.event.kind == "voice" and not text
        if self.event.kind == "unsupported" or unheard:
            # Not the resident's fault and not a misunderstanding: say what works, then carry on.
            self.say(self.prompts.unsupported_media if not unheard else self.prompts.voice_not_understood)
            self.reask()
            return
        crisis = detect_crisis(text, self.catalog.safety)
        if crisis is not None:
            self.crisis(crisis, text)
            if keeps_story(self.state, self.catalog, urgent_service=HANDOFF_SERVICE):
                self.answer_application(text)  # her account of what happened is the answer, not lost
            else:
                self.offer_after_crisis(text)
            return
        self.warn_first(text)
        if self.unsure_of_speech(text):
            return
        if self.event.kind == "choose":
            self.chosen_from_channel_menu(text)
            return
        if self.returning_after_pause():
            if self.state.application is not None:
                self.state = evolve(self.state, pending=None)
                if detect_command(text, self.catalog.commands) not in ("cancel", "handoff"):
                    self.offer_resume()
                    return
            else:
                self.state = evolve(self.state, pending=None)
        if not text:
            self.say(self.prompts.empty_message)
            self.reask()
            return
        if len(text) > MAX_TEXT:
            self.say(self.prompts.too_long)
            self.reask()
            return
        command = detect_command(text, self.catalog.commands)
        if self.contact_wish(text, command):
            return
        if self.state.application is not None and asks_to_wait(text) and not self.asks_for_more(command, text):
            self.say(self.prompts.waiting)  # not a wrong answer: nothing is counted, nothing asked again
            return
        if self.state.application is not None and is_back(text) and self.was_waiting():
            self.reask()  # "好了" after "等一下": the question again, no miss counted
            return
        # An option named inside an answer ("帮我妈申请") beats a command word it happens to contain,
        # but never a whole command phrase ("帮助") and never a request for a person.
        choice_first = command != "handoff" and not is_exact_command(text, self.catalog.commands)
        if choice_first and self.answers_current_choice(text):
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
        self.idle(text, first_contact=first_contact)

    def result(self) -> StepResult:
        if self.repeat_only:
            state = evolve(self.state, last_seen=self.event.now, greeted=True)
            return StepResult(state=state, replies=tuple(self.replies), effects=tuple(self.effects))
        bot_text = "\n".join(render_text(r) for r in self.replies)
        last_replies = tuple(r.to_dict() for r in self.replies)
        state = evolve(self.state, last_seen=self.event.now, greeted=True, last_replies=last_replies).with_turns(
            Turn("resident", self.event.text[:MAX_TEXT]), Turn("bot", bot_text)
        )
        return StepResult(state=state, replies=tuple(self.replies), effects=tuple(self.effects))

    def fit_to_content(self) -> None:
        """A stored application may predate a content edit; never fail on it."""
        application = self.state.application
        if application is None:
            return
        service = self.catalog.services.get(application.service)
        if service is None:
            self.state = evolve(self.state, application=None, pending=None)
            self.say(self.prompts.application_lost)
            return
        repaired = repair(service, application)
        if repaired is not application:
            self.state = evolve(self.state, application=repaired)

    def asks_for_more(self, command: Command | None, text: str) -> bool:
        """ "等一下，转人工", "等等，我想问法律援助": a request after the pause word is the point of the message."""
        return command is not None or route(text, self.catalog).service is not None

    def contact_wish(self, text: str, command: Command | None) -> bool:
        """ "我耳朵听不见，别给我打电话，有事发文字", at any point: acknowledged and kept on the resident's open
        requests (the bot layer records it), and text only means no more voice replies either. True when
        that was all the message said; an answer in it is then taken as usual."""
        preference = contact_wish_in(text)
        if preference is None or command is not None or self.asks_something(text):
            return False  # a request filed from this conversation hears the wish in its transcript
        answers = self.answers_open_question(text)
        if answers and not states_a_wish(text):
            return False  # "听力残疾" answers the question about the disability; it is no wish
        self.effects.append(RecordContactPreference(preference.value, text[:MAX_TEXT]))
        self.say(getattr(self.prompts, f"contact_{preference.value}"))
        if preference is ContactPreference.TEXT_ONLY and self.state.mode == "voice":
            self.state = evolve(self.state, mode="text")
            self.effects.append(UpdateProfile(mode="text", speech_rate=self.state.speech_rate))
        if answers:
            return False
        self.understood()
        self.reask()
        return True

    def asks_something(self, text: str) -> bool:
        """More than a contact wish: the answer to how to reply (the mode question hears "我听不见" itself),
        a service or a question asked."""
        if isinstance(self.state.pending, ModeQuestion):
            return True
        return route(text, self.catalog).service is not None or match_faq(text, self.catalog) is not None

    def names_something(self, text: str) -> bool:
        """A service, a menu option or a common question: understood even where it answers nothing."""
        return self.names_a_service(text) or match_faq(text, self.catalog) is not None

    def was_waiting(self) -> bool:
        """The last thing said was "好的，不着急……": the resident went to fetch something."""
        waiting = self.text_of(self.prompts.waiting)
        said = [turn.text for turn in self.state.transcript if turn.who == "bot"]
        return bool(said) and waiting in said[-1]

    def answers_open_question(self, text: str) -> bool:
        application = self.state.application
        return self.state.pending is None and application is not None and self.fits_question(application, text)

    def returning_after_pause(self) -> bool:
        return self.state.last_seen > 0 and self.event.now - self.state.last_seen > RESUME_AFTER_SECONDS

    def answers_current_choice(self, text: str) -> bool:
        """At a multiple-choice question, an answer that names an option wins over command words.

        ("我是社区工作人员" answers "您是残疾人本人的什么人？"; it is not a request for a person.)
        """
        application = self.state.application
        if self.state.pending is not None or application is None or application.phase != "asking":
            return False
        current = self.service(application).step(application.step)
        if current.type != "choice" or not any(ch.isalpha() for ch in normalize(text)):
            return False
        if isinstance(parse_choice(text, choice_options(current)), Invalid):
            return False
        self.answer_application(text)
        return True

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
            for candidate in self.service(application).steps:
                if candidate.field == "applicant" and application.answers.get(candidate.id) == "proxy":
                    return self.prompts.who_proxy.for_mode(self.state.mode)
        return self.prompts.who_self.for_mode(self.state.mode)

    def say(self, prompt: Prompt, options: tuple[str, ...] = (), **values: str) -> None:
        self.replies.append(Reply(self.text_of(prompt, **values), options))

    def reason_text(self, result: Invalid) -> str:
        """Why an answer was not taken, in the content's words for this mode."""
        found = self.catalog.reasons.get(result.code)
        text = (
            found.for_mode(self.state.mode)
            if found is not None
            else self.prompts.not_understood.for_mode(self.state.mode)
        )
        for key, value in result.values:
            text = text.replace("{" + key + "}", value)
        return text

    def say_text(self, text: str, options: tuple[str, ...] = ()) -> None:
        self.replies.append(Reply(text, options))

    def misunderstood(self) -> bool:
        """Count one more misunderstanding; True when it is time to offer a person instead."""
        count = self.state.misunderstood + 1
        if count >= MISUNDERSTOOD_LIMIT:
            self.state = evolve(self.state, misunderstood=0, pending=Handoff())
            self.say(self.prompts.handoff_offer, YES_NO)
            return True
        self.state = evolve(self.state, misunderstood=count)
        return False

    def understood(self) -> None:
        if self.state.misunderstood:
            self.state = evolve(self.state, misunderstood=0)

    # ----------------------------------------------------------------- commands

    def command(self, command: Command) -> None:
        application = self.state.application
        pending = self.state.pending
        if isinstance(pending, Resume) and command in ("restart", "cancel"):
            self.resume_choice("restart" if command == "restart" else "cancel")
            return
        if isinstance(pending, Cancel | Restart) and command == pending.kind:
            self.answer_pending("是")  # saying 取消 again to "确定不办了吗？" means yes
            return
        if command == "repeat":
            self.repeat()
        elif command == "help":
            self.say(self.prompts.help)
            self.reask()
        elif command in ("mode_voice", "mode_text", "mode_simple"):
            if isinstance(pending, ModeQuestion):
                self.state = evolve(self.state, pending=None)
            self.change_mode(command.removeprefix("mode_"))
            self.reask()
        elif command == "status":
            self.effects.append(ReportStatus())
            self.say(self.prompts.status_report)
            if application is not None or pending is not None:
                self.reask()
        elif command in ("slower", "faster"):
            self.change_rate(-1 if command == "slower" else 1)
            self.reask()
        elif command == "handoff":
            self.state = evolve(self.state, pending=None)
            if self.open_handoff() is not None:
                self.hand_off()  # staff already have this conversation's request: it goes there
            elif application is None and says_what_for(self.event.text, self.catalog.commands):
                # What the person is wanted for was said with the request: it is the answer, not asked again.
                self.start(self.catalog.services[HANDOFF_SERVICE], intro=True, ask=False)
                self.answer_application(self.event.text)
            elif application is None:
                self.start(self.catalog.services[HANDOFF_SERVICE], intro=True)
            elif application.service == HANDOFF_SERVICE:
                self.submit(self.service(application), application)  # asked twice: file it now, once
            else:
                self.hand_off()
        elif command == "back":
            self.go_back()
        elif application is None:
            self.state = evolve(self.state, pending=None)
            if command == "cancel":
                self.say(self.prompts.nothing_to_cancel)
            self.show_menu()
        elif command in ("menu", "greeting"):
            self.say(self.prompts.menu_during_application, service=self.service(application).short_name)
            self.reask()
        else:  # cancel or restart an application: ask first, nothing is thrown away by accident
            asked = Cancel() if command == "cancel" else Restart()
            self.state = evolve(self.state, pending=asked)
            self.reask()

    def repeat(self) -> None:
        if self.state.last_replies:
            self.repeat_only = True
            self.replies.extend(Reply.from_dict(r) for r in self.state.last_replies)
        else:
            self.say(self.prompts.nothing_to_repeat)
            self.show_menu()

    def go_back(self) -> None:
        application = self.state.application
        offered_here = isinstance(self.state.pending, Proposal)  # "您刚才说了……，对吗？" is this step's question
        if self.state.pending is not None:
            self.state = evolve(self.state, pending=None)
            if not offered_here:
                self.reask()
                return
        if application is None:
            self.show_menu()
            return
        came_from_summary = application.correcting and _only_open_step(self.service(application), application)
        if application.phase == "choosing_correction" or (application.phase == "asking" and came_from_summary):
            self.state = evolve(self.state, application=evolve(application, phase="confirming", correcting=False))
            self.ask_current()
            return
        if not application.history:
            self.say(self.prompts.back_at_first)
            self.ask_current()
            return
        previous = application.history[-1]
        answers = {k: v for k, v in application.answers.items() if k != previous}
        displays = {k: v for k, v in application.displays.items() if k != previous}
        moved = evolve(
            application,
            step=previous,
            phase="asking",
            history=application.history[:-1],
            answers=answers,
            displays=displays,
        )
        self.state = evolve(self.state, application=moved)
        self.ask_current()

    # ----------------------------------------------------------------- pending questions

    def crisis(self, category: SafetyCategory, text: str) -> None:
        """Say what to do now and file an urgent request; any application waits, untouched. While the urgent
        request filed before is open, what she says now goes to it: one urgent case, not one per message."""
        self.say(category.say)
        if self.state.handoff_case and self.state.handoff_for == URGENT:
            self.effects.append(AddToCase(case_id=self.state.handoff_case, text=text[:MAX_TEXT]))
            self.say(self.prompts.crisis_added, case_id=self.state.handoff_case)
            return
        self.effects.append(
            CreateCase(
                service=HANDOFF_SERVICE,
                team=self.catalog.services[HANDOFF_SERVICE].team,
                application_id=f"crisis-{self.event.message_id}",
                answers={"crisis": category.id, "message": text[:MAX_TEXT]},
                displays={},
                fields={},
                notes=(),
                urgent=True,
            )
        )
        self.say(self.catalog.safety.footer, case_id=CASE_ID_PLACEHOLDER)  # told once the case is saved
        self.handed_off(URGENT)

    def offer_after_crisis(self, text: str) -> None:
        """ "我想找律师，我老公喝了酒就打我": the request is not lost to the alarm; it is offered next."""
        if self.state.application is not None or self.state.pending is not None:
            return
        wanted = route(text, self.catalog).service
        if wanted is not None and wanted != HANDOFF_SERVICE and wanted in self.catalog.services:
            self.state = evolve(self.state, pending=Offer(wanted, self.said_words()))
            self.reask()

    def warn_first(self, text: str) -> None:
        """ "被骗": call 110 now, said before the message is handled as usual; not again and again."""
        warning = find_warning(text, self.catalog.safety)
        if warning is None:
            return
        words = self.text_of(warning.say)
        if not any(turn.who == "bot" and words in turn.text for turn in self.state.transcript[-RECENT_TURNS:]):
            self.say(warning.say)

    def unsure_of_speech(self, text: str) -> bool:
        """Recognised speech below the confidence threshold is checked back before it is acted on."""
        confidence = self.event.confidence
        if self.event.kind != "voice" or confidence is None or confidence >= CONFIDENT_SPEECH:
            return False
        if isinstance(self.state.pending, Heard) or is_exact_command(text, self.catalog.commands):
            return False  # an answer to "您是说……吗？" or a whole command phrase is taken as said
        self.state = evolve(self.state, pending=Heard(text[:MAX_TEXT]))
        self.say(self.prompts.did_you_say, YES_NO, heard=text[:60])
        return True

    def answer_heard(self, asked: Heard, text: str) -> None:
        heard = asked.text
        result = parse_yes_no(text)
        self.state = evolve(self.state, pending=None)
        if isinstance(result, Valid) and result.value and heard:
            self.handle_text(heard)
        elif isinstance(result, Valid):
            self.say(self.prompts.voice_not_understood)
            self.reask()
        else:
            self.handle_text(text)  # not a yes or no: take it as what they meant to say

    def handle_text(self, text: str) -> None:
        if self.state.application is not None:
            self.answer_application(text)
        else:
            self.idle(text, first_contact=False)

    def answer_read_back(self, _: ReadBack, text: str) -> None:
        application = self.state.application
        if application is None:
            self.state = evolve(self.state, pending=None)
            self.show_menu()
            return
        service = self.service(application)
        current = service.step(application.step)
        if isinstance(parse_yes_no(text), Invalid) and self.number_at_read_back(service, application, current, text):
            return
        yes = self.yes_or_no(text)
        if yes is None:
            return
        if yes:
            self.advance(service, application, current)
            return
        answers = {k: v for k, v in application.answers.items() if k != current.id}
        displays = {k: v for k, v in application.displays.items() if k != current.id}
        history = tuple(h for h in application.history if h != current.id)
        self.state = evolve(
            self.state, application=evolve(application, answers=answers, displays=displays, history=history)
        )
        self.ask_current()

    def number_at_read_back(self, service: Service, application: Application, current: Step, text: str) -> bool:
        """At "我听到的……是：… 对吗？" the same number again is a yes, and a different one a correction."""
        again = parse_answer(
            current,
            text,
            today=self.today,
            **card_checks(service, current, application.answers),
        )
        if isinstance(again, Valid):
            self.understood()
            self.state = evolve(self.state, pending=None)
            if again.value == application.answers.get(current.id):
                self.advance(service, application, current)
            else:
                self.record(service, application, current, again)
            return True
        correction = correction_in(service, application, text, at_summary=True, today=self.today)
        if correction is None:
            return False
        self.state = evolve(self.state, pending=None)
        self.take_correction(service, application, *correction)
        return True

    def take_correction(self, service: Service, application: Application, target: Step, result: Valid) -> None:
        """A correction with its value: taken at once, then on to where the resident was."""
        self.understood()
        if application.phase == "asking":  # from the summary, the summary shows the new value
            said = _display(target, result)
            # The resident's own words are quoted: "事情经过改成“被开除了”了", not "改成被开除了了".
            self.say(self.prompts.corrected, label=target.label, value=f"“{said}”" if target.type == "text" else said)
        moved = evolve(application, phase="asking", step=target.id, correcting=True)
        self.record(service, moved, target, result)

    def answer_proposal(self, proposal: Proposal, text: str) -> None:
        """The answer to "您刚才说了……，对吗？": yes takes it, no asks the question, anything else answers it."""
        application = self.state.application
        self.state = evolve(self.state, pending=None)
        if application is None:
            self.handle_text(text)
            return
        service = self.service(application)
        current = service.step(application.step)
        said = parse_yes_no(text)
        if isinstance(said, Valid) and (
            states_a_fact(text)
            or (states_possession(text) and isinstance(parse_answer(current, text, today=self.today), Invalid))
        ):
            # "他是听力二级": a 是, but about the disability; "有证" at "关系是父母，对吗？": what someone has. Neither
            # is a yes to this.
            said = Invalid(YES_NO_UNCLEAR)
        offered_here = proposal.step == current.id and application.phase == "asking"
        if (
            offered_here
            and (isinstance(said, Invalid) or len(normalize(text)) > SHORT_YES_NO)
            and isinstance(parse_answer(current, text, today=self.today), Invalid)
            and self.keep_for_later(service, application, current, text)
        ):
            # "她叫王桂兰" or "她是智力残疾" (no yes for all its "是") at "您和她的关系是子女，对吗？": kept for
            # its own question, and this one offered again.
            self.state = evolve(self.state, pending=proposal)
            self.say_proposal(current, proposal)
            return
        if offered_here and isinstance(said, Invalid) and self.answers_nothing(service, application, current, text):
            # Neither yes nor no, nor an answer, nor anything else: the same offer stays open, so the "对" that
            # follows still takes it (it fell to the full question, where "对" answers nothing).
            self.state = evolve(self.state, pending=proposal)
            if not self.misunderstood():
                self.say_text(self.reason_text(Invalid(YES_NO_UNCLEAR)))
                self.say_proposal(current, proposal)
            return
        if offered_here and current.type not in (*NUMBER_TYPES, "text") and card_not_with_me(text):
            # "我没带身份证" is no "不是": its number is asked later, and the same offer stays open.
            self.state = evolve(self.state, pending=proposal)
            self.say(self.prompts.document_later)
            self.say_proposal(current, proposal)
            return
        if not offered_here or isinstance(said, Invalid) or card_not_with_me(text):  # "我没带身份证" is no "不是"
            self.answer_application(text)
            return
        if len(normalize(text)) > SHORT_YES_NO and isinstance(parse_answer(current, text, today=self.today), Valid):
            self.answer_application(text)  # "我是她妹妹" is an answer, not the yes it starts with
            return
        self.understood()
        if said.value:
            value = proposal.value
            self.record(
                service, application, current, Valid(value=value, display=self.proposed_display(current, value))
            )
        else:
            self.ask_current()

    def answers_nothing(self, service: Service, application: Application, current: Step, text: str) -> bool:
        """Not an answer to the question asked, a correction, a number not at hand, or a service or question."""
        return (
            isinstance(parse_answer(current, text, today=self.today), Invalid)
            and not card_not_with_me(text)
            and not (current.type in NUMBER_TYPES and not_at_hand(text))
            and not says_wrong(text)
            and correction_in(service, application, text, at_summary=False, today=self.today) is None
            and not self.names_something(text)
        )

    def proposed_display(self, current: Step, value: Any) -> str:
        """How an answer offered back is said: as it was shown when kept early, else its option's label."""
        application = self.state.application
        held = application.held.get(current.id) if application is not None else None
        if isinstance(held, dict) and held.get("value") == value and held.get("display"):
            return str(held["display"])
        return _label_of(current, value)

    def answer_beside_handoff_offer(self, text: str) -> None:
        """Not a yes or no to "要不要请工作人员帮您？": an answer to the question before it is taken,
        and after a few more misses a person is asked for without asking again."""
        application = self.state.application
        fits = self.fits_question(application, text) if application is not None else self.names_a_service(text)
        if fits:
            self.state = evolve(self.state, pending=None, misunderstood=0)
            self.handle_text(text)
            return
        misses = self.state.misunderstood + 1
        if misses >= MISSES_AFTER_HANDOFF_OFFER:
            self.state = evolve(self.state, pending=None, misunderstood=0)
            self.hand_off()
            return
        self.state = evolve(self.state, misunderstood=misses)
        reason = parse_yes_no(text)
        if isinstance(reason, Invalid):
            self.say_text(self.reason_text(reason))
        self.say(self.prompts.handoff_offer, YES_NO)

    def fits_question(self, application: Application, text: str) -> bool:
        service = self.service(application)
        if application.phase != "asking":
            return step_named(service, application, text) is not None
        current = service.step(application.step)
        if current.type == "disability":
            result, kept = disability_answer(text, application.partial.get(current.id) or {})
            return isinstance(result, Valid) or bool(kept)
        answers = application.answers
        parsed = parse_answer(
            current,
            text,
            today=self.today,
            **card_checks(service, current, answers),
        )
        corrected = correction_in(service, application, text, at_summary=False, today=self.today)
        return isinstance(parsed, Valid) or corrected is not None

    def names_a_service(self, text: str) -> bool:
        return self.menu_choice(text) is not None or route(text, self.catalog).service is not None

    def heard_in(self, application: Application, text: str) -> Application:
        """Remember what was said, for questions it may already answer."""
        return evolve(application, said=(*application.said, text[:200])[-SAID_LIMIT:])

    def yes_or_no(self, text: str) -> bool | None:
        """The answer to the open yes/no question, which is then closed; None (and asked again) if unclear."""
        result = parse_yes_no(text)
        if isinstance(result, Invalid):
            if not self.misunderstood():
                self.say_text(self.reason_text(result))
                self.reask()
            return None
        self.understood()
        self.state = evolve(self.state, pending=None)
        return bool(result.value)

    def answer_pending(self, text: str) -> None:
        pending = self.state.pending
        assert pending is not None
        PENDING[type(pending)].answer(self, pending, text)

    def answer_handoff(self, _: Handoff, text: str) -> None:
        if isinstance(parse_yes_no(text), Invalid):
            self.answer_beside_handoff_offer(text)
            return
        yes = self.yes_or_no(text)
        if yes:
            self.hand_off()
        elif yes is not None:
            self.say(self.prompts.handoff_declined)
            self.reask()

    def answer_resume(self, _: Resume, text: str) -> None:
        result = parse_choice(text, RESUME_OPTIONS)
        if isinstance(result, Invalid):
            if not self.misunderstood():
                self.say_text(self.reason_text(result))
                self.offer_resume()
            return
        self.resume_choice(str(result.value))

    def answer_cancel(self, _: Cancel, text: str) -> None:
        yes = self.yes_or_no(text)
        if yes is None:
            return
        if not yes:
            self.reask()
            return
        self.say(self.prompts.cancelled)
        self.state = evolve(self.state, application=None)
        if self.state.paused is not None:
            self.back_to_paused()
        else:
            self.show_menu()

    def answer_restart(self, _: Restart, text: str) -> None:
        yes = self.yes_or_no(text)
        application = self.state.application
        if yes and application is not None:
            self.start(self.service(application), intro=False)
        elif yes is not None:
            self.reask()

    def subscribed(self) -> None:
        """A new (or returning) follower: say how to use the service, then ask once how to answer them."""
        self.say(self.prompts.subscribed)
        self.state = evolve(self.state, greeted=True, pending=None)
        if self.state.application is not None:
            self.offer_resume()
        elif not self.state.mode_asked:
            self.state = evolve(self.state, mode_asked=True, pending=ModeQuestion())
            self.reask()
        else:
            self.show_menu()

    def answer_mode_question(self, _: ModeQuestion, text: str) -> None:
        chosen = clear_mode_choice(text, MODE_OPTIONS)
        self.state = evolve(self.state, pending=None)
        if chosen is None:
            # Not an answer to "how shall I answer you?": treat it as what the person came for.
            if cannot_hear(text):
                self.change_mode("text")  # a reason for text, never for voice; nothing to ask later
            else:
                self.state = evolve(self.state, mode_later=True)
            if self.state.application is not None:
                self.answer_application(text)
            else:
                self.idle(text, first_contact=False)
            return
        self.change_mode(chosen)
        self.show_menu()

    def change_mode(self, mode: str) -> None:
        self.state = evolve(self.state, mode=mode)  # type: ignore[arg-type]
        self.effects.append(UpdateProfile(mode=mode, speech_rate=self.state.speech_rate))
        self.say(getattr(self.prompts, f"mode_changed_{mode}"))

    def change_rate(self, step: int) -> None:
        rate = max(-2, min(2, self.state.speech_rate + step))
        if rate == self.state.speech_rate:
            self.say(self.prompts.rate_at_limit)
            return
        self.state = evolve(self.state, speech_rate=rate)
        self.effects.append(UpdateProfile(mode=self.state.mode, speech_rate=rate))
        self.say(self.prompts.rate_changed_slower if step < 0 else self.prompts.rate_changed_faster)

    def chosen_from_channel_menu(self, service_id: str) -> None:
        service = self.catalog.services.get(service_id)
        if service is None:
            self.show_menu()
        elif self.state.application is not None:
            self.say(self.prompts.menu_during_application, service=self.service(self.state.application).short_name)
            self.reask()
        else:
            self.start(service, intro=True)

    def resume_choice(self, choice: str) -> None:
        self.understood()
        self.state = evolve(self.state, pending=None)
        application = self.state.application
        if choice == "continue":
            self.say(self.prompts.resumed)
            self.ask_current()
        elif choice == "restart" and application is not None:
            self.start(self.service(application), intro=False)
        else:
            self.state = evolve(self.state, application=None)
            self.say(self.prompts.cancelled)
            self.show_menu()

    def offer_resume(self) -> None:
        application = self.state.application
        assert application is not None
        service = self.service(application)
        self.state = evolve(self.state, pending=Resume())
        done = len(answered_steps(service, application))
        self.say(
            self.prompts.resume_offer,
            tuple(o.label for o in RESUME_OPTIONS),
            service=service.short_name,
            count=str(done),
        )

    # ----------------------------------------------------------------- no application

    def idle(self, text: str, *, first_contact: bool) -> None:
        chosen = self.menu_choice(text)
        routed = route(text, self.catalog)
        asking = money_clauses(text, self.catalog.money)
        if chosen is None and asking and (routed.service is None or route(asking, self.catalog).service is None):
            # "我能领什么钱" names no service; "轮椅有什么补贴" does, and starts it. One named only beside the
            # question ("我爸腿脚不好，能领什么钱") tells who it is for, not what the money is for.
            self.understood()
            self.screen_for_money()
            return
        question = match_faq(text, self.catalog)
        phrase_length = max((len(p) for p in self._matched_phrases(routed.service, text)), default=0)
        if chosen is None and question is not None and question[1] >= phrase_length:
            self.understood()
            self.answer_question(question[0])
            return
        if chosen is None:
            chosen = routed.service
        if chosen is not None and chosen.startswith(GROUP_PREFIX):
            self.understood()
            self.show_group(chosen.removeprefix(GROUP_PREFIX))
            return
        if chosen is not None:
            self.understood()
            self.start(self.catalog.services[chosen], intro=True)
            return
        if len(routed.alternatives) == 1 and not first_contact:
            # One weak guess: ask rather than start the wrong thing, with "something else" beside it.
            self.state = evolve(self.state, pending=Guess(routed.alternatives[0][0]))
            self.reask()
            return
        if len(routed.alternatives) >= 2:
            # A tie or a weak guess between two: ask which, not "没听懂" (and count nothing).
            self.ask_which(routed.alternatives[0][0], routed.alternatives[1][0])
            return
        named = named_in_part(text, {s.id: (s.name, s.short_name) for s in self.catalog.services.values()})
        if named is not None and named != HANDOFF_SERVICE and not first_contact:
            # "护理的": part of one service's name, and of no other's; asked, not started.
            self.state = evolve(self.state, pending=Guess(named))
            self.reask()
            return
        if first_contact:
            self.show_menu()
            return
        if fact_alone(text):
            # "听力三级" with nothing asked for yet: understood, and asked what it is for.
            self.understood()
            self.say(self.prompts.fact_before_request)
            self.show_menu()
            return
        if not self.misunderstood():
            self.say(self.prompts.not_understood)
            if self.state.menu_group:
                self.show_group(self.state.menu_group)  # "补贴" among the listed subsidies: the same list again
            else:
                self.show_menu()

    def ask_which(self, first: str, second: str, question: Prompt | None = None) -> None:
        """ "您是想问A，还是B？", answered by number, by name, or by saying something else."""
        services = self.catalog.services
        self.state = evolve(self.state, pending=Which(first, second))
        a, b = services[first].short_name, services[second].short_name
        self.say(question or self.prompts.which_of_two, (a, b), first=a, second=b)

    def answer_which(self, which: Which, text: str) -> None:
        offered = [self.catalog.services[s] for s in (which.first, which.second) if s in self.catalog.services]
        self.state = evolve(self.state, pending=None)
        # "护理那个": the first two characters of a short name tell the two apart.
        heads = [s.short_name[:2] for s in offered]
        options = [
            ChoiceOption(s.id, s.short_name, (s.name, *([head] if heads.count(head) == 1 else [])))
            for s, head in zip(offered, heads, strict=True)
        ]
        picked = parse_choice(text, options) if options else None
        if isinstance(picked, Valid):
            self.understood()
            self.start(self.catalog.services[str(picked.value)], intro=True)
            return
        said = parse_yes_no(text)
        if isinstance(said, Valid) and not said.value:  # "都不是"
            self.understood()
            self.show_menu()
            return
        if isinstance(said, Valid):  # "好的" to "是……，还是……？" chooses neither: the question stays
            self.state = evolve(self.state, pending=which)
            if not self.misunderstood():
                self.reask()
            return
        self.handle_text(text)  # something else: what they said instead

    def guess_options(self, guess: Guess) -> list[ChoiceOption]:
        service = self.catalog.services[guess.service]
        other = self.prompts.something_else.for_mode(self.state.mode)
        return [
            ChoiceOption(service.id, service.short_name, (service.name, service.short_name[:2])),
            ChoiceOption("", other, (self.prompts.something_else.text, *self.catalog.commands.something_else)),
        ]

    def ask_guess(self, guess: Guess) -> bool:
        service = self.catalog.services.get(guess.service)
        if service is None:
            return False
        labels = tuple(option.label for option in self.guess_options(guess))
        self.say(self.prompts.did_you_mean, labels, service=service.short_name)
        return True

    def answer_guess(self, guess: Guess, text: str) -> None:
        """The guess by number, name or yes; "something else" (or no) the menu; anything else is taken as
        what it is."""
        self.state = evolve(self.state, pending=None)
        routed = route(text, self.catalog).service
        named_other = routed not in (None, guess.service) or (routed is None and match_faq(text, self.catalog))
        if guess.service not in self.catalog.services or named_other:
            self.handle_text(text)  # "不是，我想问低保": what they want instead, not the menu
            return
        picked = parse_choice(text, self.guess_options(guess))
        said = parse_yes_no(text)
        if isinstance(picked, Invalid) and isinstance(said, Valid):
            picked = Valid(value=guess.service if said.value else "", display="")
        if isinstance(picked, Invalid) and normalize(text) in prepared(self.catalog.commands, _offer_yes):
            picked = Valid(value=guess.service, display="")
        if isinstance(picked, Invalid):
            self.handle_text(text)
        elif picked.value:
            self.understood()
            self.start(self.catalog.services[guess.service], intro=True)
        else:
            self.understood()
            self.show_menu()

    def screen_for_money(self) -> None:
        money = self.catalog.money
        assert money is not None
        self.say(money.intro)
        self.state = evolve(self.state, pending=Money(request=self.said_words()))
        self.reask()

    def answer_money(self, screening: Money, text: str) -> None:
        """One yes/no answer to the money screening; after the last, the help that may fit."""
        money = self.catalog.money
        said = screening_answer(text, next_question(money, screening.answers)) if money else None
        if money is not None and said is None and not self.names_something(text):
            # Neither yes nor no, nor anything else understood: the question stays, asked again.
            if not self.misunderstood():
                self.say_text(self.reason_text(Invalid(YES_NO_UNCLEAR)))
                self.reask()
            return
        if money is None or said is None:
            self.state = evolve(self.state, pending=None)
            self.earlier_request = screening.request  # "生活补贴吧": opened with what the first question said
            self.handle_text(text)  # not an answer: what they want instead
            return
        self.understood()
        answers = (*screening.answers, said)
        if len(answers) < len(money.questions):
            self.state = evolve(self.state, pending=Money(answers, screening.request))
            self.reask()
            return
        self.state = evolve(self.state, pending=None)
        found = fitting(money, answers, self.catalog.services)
        if not found:
            self.say(money.none)
        elif len(found) == 1:
            self.state = evolve(self.state, pending=Offer(found[0], screening.request))
            self.say(money.one, YES_NO, service=self.catalog.services[found[0]].short_name)
        else:
            self.ask_which(found[0], found[1], money.two)

    def menu_choice(self, text: str) -> str | None:
        """A menu option by its number or by its words: a service id, or ``group:<id>`` for a group.
        Right after a group's short menu, numbers choose within that group."""
        group = self.catalog.menu_group(self.state.menu_group) if self.state.menu_group else None
        if group is not None:
            members = [self.catalog.services[s] for s in group.services]
            inner = [ChoiceOption(m.id, m.name, (m.short_name,)) for m in members]
            picked = parse_choice(text, inner)
            if isinstance(picked, Valid):
                return str(picked.value)
            part_of = named_in_part(text, {m.id: (m.name, m.short_name) for m in members})
            if part_of is not None:
                return part_of  # "护理的" among the listed subsidies: the one whose name holds it
        options = []
        for item, label in zip(self.catalog.menu, self.menu_labels(), strict=True):
            if item.service is not None:
                options.append(ChoiceOption(item.service, label, (self.catalog.services[item.service].short_name,)))
            else:
                options.append(ChoiceOption(f"{GROUP_PREFIX}{item.group}", label))
        result = parse_choice(text, options)
        return None if isinstance(result, Invalid) else str(result.value)

    def menu_labels(self) -> tuple[str, ...]:
        simple = self.state.mode == "simple"
        return tuple((item.simple if simple and item.simple else item.label) for item in self.catalog.menu)

    def show_menu(self) -> None:
        self.state = evolve(self.state, menu_group="")
        if self.state.mode_later and self.state.pending is None and self.state.application is None:
            # The mode question was put off by a first message that was a request: ask it now, once.
            self.state = evolve(self.state, mode_later=False, pending=ModeQuestion())
            self.reask()
            return
        self.say(self.prompts.menu_intro, self.menu_labels())

    def show_group(self, group_id: str) -> None:
        group = self.catalog.menu_group(group_id)
        if group is None:
            self.show_menu()
            return
        self.state = evolve(self.state, menu_group=group_id)
        self.say(self.prompts.group_intro, tuple(self.catalog.services[s].name for s in group.services))

    def _matched_phrases(self, service_id: str | None, text: str) -> list[str]:
        if service_id is None:
            return []
        said = normalize(text)
        return [normalize(p) for p in self.catalog.services[service_id].phrases if normalize(p) in said]

    def answer_question(self, faq: Faq) -> None:
        """The answer, then the application it leads to, if it leads to one: the one the question named by its
        name ("护理补贴能领多少钱"), else the answer's own."""
        self.say(faq.answer)
        said = normalize(self.event.text)
        named = [
            service_id
            for service_id in faq.offer_when_named
            if service_id in self.catalog.services and normalize(self.catalog.services[service_id].short_name) in said
        ]
        offer = named[0] if len(named) == 1 else faq.offer
        if offer is not None and offer in self.catalog.services:
            self.state = evolve(self.state, pending=Offer(offer, self.said_words()))
            self.reask()

    def answer_offer(self, offer: Offer, text: str) -> None:
        offered = self.catalog.services.get(offer.service)
        result = parse_yes_no(text)
        if isinstance(result, Invalid) and normalize(text) in prepared(self.catalog.commands, _offer_yes):
            result = Valid(value=True, display="")
        self.state = evolve(self.state, pending=None)
        if isinstance(result, Valid) and result.value and offered is not None:
            self.start(offered, intro=True, request=offer.request)
        elif isinstance(result, Invalid) and offered is not None and self.answers_first_question(offered, text):
            # "给我自己" to "要现在申请法律援助吗？": a yes, and the answer to its first question.
            self.start(offered, intro=True, ask=False, request=offer.request)
            self.answer_application(text)
        elif isinstance(result, Valid):
            self.show_menu()
        else:
            self.handle_text(text)  # not an answer to the offer: what they said instead

    def answers_first_question(self, service: Service, text: str) -> bool:
        first = next_step(service, {}, None, only_unanswered=False)
        if first is None or first.type not in ("choice", "yes_no"):
            return False  # a name or a number said here is no answer to a question not yet asked
        return isinstance(parse_answer(first, text, today=self.today), Valid)

    # ----------------------------------------------------------------- applications

    def service(self, application: Application) -> Service:
        return self.catalog.services[application.service]

    def said_words(self) -> str:
        """What the resident said in this message, as an application keeps it; empty for a button or event."""
        return self.event.text[:REQUEST_LIMIT] if self.event.kind in ("text", "voice") else ""

    def request_words(self) -> tuple[str, ...]:
        """What asked for the application this message opens: an earlier question's words, then this one's."""
        return tuple(words for words in (self.earlier_request, self.said_words()) if words)

    def start(self, service: Service, *, intro: bool, ask: bool = True, request: str = "") -> None:
        """Open ``service``: its intro, then its first question (unless the caller answers it at once).
        ``request``: the words that asked for it when this message only agreed to an offer."""
        if service.id == HANDOFF_SERVICE and self.open_handoff() is not None:
            self.hand_off()  # "人工" again: staff already have this conversation's request
            return
        first = next_step(service, {}, None, only_unanswered=False)
        assert first is not None
        application = Application(
            service=service.id,
            application_id=f"{service.id}-{self.event.message_id}",
            step=first.id,
            said=(request,) if request else self.request_words(),
        )
        application = self.held_from_request(service, application, first)
        self.state = evolve(self.state, application=application, pending=None, menu_group="")
        if intro:
            self.say(service.intro)
        if ask:
            self.ask_current()

    def held_from_request(self, service: Service, application: Application, first: Step) -> Application:
        """ "我孩子三岁，医生说是自闭症": an answer to a later question in the request that opened the
        application is kept, as one said while answering, and offered for a yes when its question comes."""
        held = dict(application.held)
        for words in application.said[:1]:
            for clause in clauses(words):
                found = later_answer(service, application, first, clause, today=self.today)
                if found is not None:
                    held[found[0].id] = kept_answer(found[1], clause)
        return evolve(application, held=held) if held else application

    def reask(self) -> None:
        """Ask again whatever is open: the pending question, else the application's, else the menu."""
        pending = self.state.pending
        if pending is not None and PENDING[type(pending)].ask(self, pending):
            return
        if self.state.application is not None:
            self.ask_current()
        else:
            self.show_menu()

    def ask_offer(self, offer: Offer) -> bool:
        offered = self.catalog.services.get(offer.service)
        if offered is not None:
            self.say(self.prompts.offer_service, YES_NO, service=offered.short_name)
        return offered is not None

    def ask_read_back(self, _: ReadBack) -> bool:
        application = self.state.application
        if application is None:
            return False
        current = self.service(application).step(application.step)
        said = application.displays.get(current.id, "")
        self.say(self.prompts.read_back, YES_NO, label=current.label, value=said)
        return True

    def ask_heard(self, heard: Heard) -> bool:
        self.say(self.prompts.did_you_say, YES_NO, heard=heard.text[:60])
        return True

    def ask_proposal(self, proposal: Proposal) -> bool:
        application = self.state.application
        if application is None or application.step != proposal.step:
            return False
        self.say_proposal(self.service(application).step(application.step), proposal)
        return True

    def ask_mode(self, _: ModeQuestion) -> bool:
        self.say(self.prompts.mode_question, tuple(o.label for o in MODE_OPTIONS))
        return True

    def ask_handoff(self, _: Handoff) -> bool:
        self.say(self.prompts.handoff_offer, YES_NO)
        return True

    def ask_reading(self, reading: Reading) -> bool:
        if reading.parts:
            self.say(self.prompts.next_item, YES_NO)
        return bool(reading.parts)

    def ask_which_again(self, which: Which) -> bool:
        self.ask_which(which.first, which.second)
        return True

    def ask_money(self, screening: Money) -> bool:
        if self.catalog.money is None:
            return False
        self.say(next_question(self.catalog.money, screening.answers).ask, YES_NO)
        return True

    def ask_resume(self, _: Resume) -> bool:
        if self.state.application is None:
            return False
        self.offer_resume()
        return True

    def ask_cancel(self, _: Cancel) -> bool:
        return self.ask_to_be_sure(self.prompts.cancel_confirm)

    def ask_restart(self, _: Restart) -> bool:
        return self.ask_to_be_sure(self.prompts.restart_confirm)

    def ask_to_be_sure(self, prompt: Prompt) -> bool:
        application = self.state.application
        if application is not None:
            self.say(prompt, YES_NO, service=self.service(application).short_name)
        return application is not None

    def ask_current(self) -> None:
        application = self.state.application
        assert application is not None
        service = self.service(application)
        if application.phase == "confirming":
            self.show_summary(service, application)
            return
        if application.phase == "choosing_correction":
            answered = tuple(s.label for s in answered_steps(service, application))
            heard = self.state.mode != "text" and len(answered) > AT_ONCE
            # Heard, a dozen numbered answers cannot be followed: the resident names the one to change.
            self.say(self.prompts.which_to_correct, () if heard else answered)
            return
        current = service.step(application.step)
        proposal = None
        if self.state.pending is None:
            proposal = proposal_for(current, application, today=self.today) or _held_proposal(current, application)
        if proposal is not None:
            offered = evolve(application, proposed=(*application.proposed, current.id))
            self.state = evolve(self.state, pending=proposal, application=offered)
            self.say_proposal(current, proposal)
            return
        self.say(current.ask, self.options_shown(current, application))
        if current.optional:
            self.say(self.prompts.skip_hint)

    def options_shown(self, current: Step, application: Application) -> tuple[str, ...]:
        if not is_paged(current):
            return _options_of(current)
        more = self.prompts.more_options.for_mode(self.state.mode)
        return labels(current, later=application.paged == current.id, more=more)

    def more_option(self) -> ChoiceOption:
        more = self.prompts.more_options
        return ChoiceOption(MORE, more.for_mode(self.state.mode), (more.text, *self.catalog.commands.more_options))

    def say_proposal(self, current: Step, proposal: Proposal) -> None:
        quote = proposal.quote[:30]
        value = self.proposed_display(current, proposal.value)
        self.say(self.prompts.proposal_offer, YES_NO, quote=quote, label=current.label, value=value)

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
        if current.type not in (*NUMBER_TYPES, "text") and card_not_with_me(text):
            # "我没带身份证" before its number is asked: not an answer here ("没" is not "都没有").
            self.say(self.prompts.document_later)
            self.ask_current()
            return
        result: Valid | Invalid
        progress = False
        if current.optional and is_skip(text):
            result = Valid(value=None, display="没有")
        elif current.type == "disability":
            # Category and level may come in two turns: the first half is kept, not asked again.
            before = application.partial.get(current.id) or {}
            result, kept = disability_answer(text, before)
            progress = isinstance(result, Invalid) and kept != before
            partial = {k: v for k, v in application.partial.items() if k != current.id}
            application = evolve(application, partial={**partial, current.id: kept} if kept else partial)
            self.state = evolve(self.state, application=application)
        else:
            result = parse_answer(
                current,
                text,
                today=self.today,
                **card_checks(service, current, application.answers),
            )
        if isinstance(result, Invalid) and current.type != "disability":
            # "韦秀英，身份证450225…" at the name question: one clause answers it, the others are kept beside it.
            result = self.answered_in_a_clause(service, application, current, text) or result
        if current.type == "name" and isinstance(result, Valid) and self.names_an_option(service, current, text):
            result = Invalid(OTHER_ANSWER)  # "财产" at the name question answers "遇到的是哪一类事？"
        if current.type == "yes_no" and isinstance(result, Valid) and states_a_fact(text):
            result = Invalid(YES_NO_UNCLEAR)  # "我是肢体一级" at a 有/没有 question: its 是 is no yes
        if isinstance(result, Valid) and corrects_first(current, text):
            correction = correction_in(service, application, text, at_summary=False, today=self.today)
            if correction is not None and correction[0].id != current.id:
                # "不对，是二级" at "需要别人长期照顾吗？": its 是 is no 需要; it changes the level just given.
                self.take_correction(service, application, *correction)
                return
        if is_paged(current):
            paged = parse_page(current, text, later=application.paged == current.id, more=self.more_option())
            if isinstance(paged, Valid) and paged.value == MORE:
                self.understood()  # the rest of a long list: the same question, its later options
                self.state = evolve(self.state, application=evolve(application, paged=current.id))
                self.ask_current()
                return
            if isinstance(paged, Valid) or isinstance(result, Invalid) or answer_number(text) is not None:
                result = paged  # a number chooses on the part of the list that was heard
        if isinstance(result, Invalid) and self.state.mode == "simple" and _two_way(current):
            # Simple mode asks a choice of two as a yes/no question ("给自己申请吗？"): yes is the first.
            said = parse_yes_no(text)
            if isinstance(said, Valid):
                option = current.options[0 if said.value else 1]
                result = Valid(value=option.value, display=option.label)
        if isinstance(result, Invalid) and progress:
            self.understood()
            self.say_text(self.reason_text(result))
            return
        if isinstance(result, Invalid) and current.type in NUMBER_TYPES and not_at_hand(text):
            if another_number_asked_later(service, application, current, text):
                # "残疾证号码我现在找不到" at the phone question: that number is asked later, this one now.
                self.understood()
                self.say(self.prompts.document_later)
                self.ask_current()
                return
            self.number_not_at_hand(service, application, current)
            return
        if isinstance(result, Invalid):
            correction = correction_in(service, application, text, at_summary=False, today=self.today)
            if correction is not None:  # "不对 电话号码错了 应该是……" while answering something else
                self.take_correction(service, application, *correction)
                return
            if self.keep_for_later(service, application, current, text):
                self.say(current.ask, self.options_shown(current, self.state.application or application))
                return
            if fact_without_question(service, text):
                self.understood()  # "听力二级" while applying for legal aid: staff see it with the conversation
                self.say(self.prompts.fact_for_staff)
                self.say(current.ask, self.options_shown(current, application))
                return
            again = answered_again(service, application, current, text, today=self.today)
            if again is not None:
                self.understood()  # "5岁" once the age was taken: nothing new, nothing misunderstood
                value = application.displays.get(again.id, "")
                self.say(self.prompts.already_answered, label=again.label, value=value)
                self.say(current.ask, self.options_shown(current, application))
                return
            earlier = step_named(service, application, text) if says_wrong(text) else None
            routed = route(text, self.catalog)
            other = routed.service if routed.score >= _NAMES_A_SERVICE or _ASKS_FOR.search(text) else None
            if earlier is not None:  # "电话号码错了" while answering something else
                self.correct(application, earlier)
            elif other is not None and other != service.id and self.state.paused is None:
                # "算了，我想问法律援助": go there, keeping this application to come back to.
                self.understood()
                self.say(self.prompts.switched, service=service.short_name)
                self.state = evolve(self.state, paused=application)
                self.start(self.catalog.services[other], intro=True)
            elif not self.misunderstood():
                # The reason already says what to do; only a list of options needs repeating.
                self.say_text(self.reason_text(result), self.options_shown(current, application))
            return
        self.understood()
        application = self.heard_in(application, text)
        application = self.answers_beside(service, application, current, text, result)
        self.record(service, application, current, result)

    def answered_in_a_clause(
        self, service: Service, application: Application, current: Step, text: str
    ) -> Valid | None:
        """The answer to ``current`` when exactly one clause of a message of several gives one."""
        parts = [part for part in clauses(text) if part]
        if len(parts) < 2:
            return None
        if current.type == "name":
            # Almost any few characters can be a name: only the first clause, or one that says it is a name
            # ("她叫韦秀英"), is taken as one ("她17岁，上高二" names nobody).
            parts = [part for index, part in enumerate(parts) if index == 0 or _SAYS_A_NAME.search(part)]
        checks = card_checks(service, current, application.answers)
        answers = [parse_answer(current, part, today=self.today, **checks) for part in parts]
        valid = [answer for answer in answers if isinstance(answer, Valid)]
        return valid[0] if len(valid) == 1 else None

    def names_an_option(self, service: Service, current: Step, text: str) -> bool:
        """The whole answer is an option of another question of this service, word for word."""
        said = normalize(text)
        return any(
            said == normalize(word)
            for step in service.steps
            if step.id != current.id and step.type == "choice"
            for option in step.options
            for word in (option.label, *option.synonyms)
        )

    def answers_beside(
        self, service: Service, application: Application, current: Step, text: str, answer: Valid
    ) -> Application:
        """ "我妈，身份证号是……", "韦秀英，她是视力一级": the question answered, and what the message says for later
        questions beside it, kept."""
        if len([part for part in clauses(text) if part]) >= 2:
            found = later_answers_in(service, application, current, text, today=self.today)
        elif current.type in ("choice", "yes_no") and _LONG_NUMBER.search(normalize(text)):
            # Most answers are one clause: there only a long run of digits can hold an answer for later, and
            # only the number questions are tried (parsing a district by sound is costly).
            one = later_answer(service, application, current, text, today=self.today, types=NUMBER_TYPES)
            found = [] if one is None else [(*one, text)]
        else:
            return application
        if not found:
            return application
        answers = {**application.answers, current.id: answer.value}
        following = next_step(service, answers, current.id, only_unanswered=application.correcting)
        # The question asked next offers its kept answer at once ("您刚才说了……，对吗？"): no "等会儿" for it.
        later_ones = [later.label for later, _, _ in found if following is None or later.id != following.id]
        if later_ones:
            self.say(self.prompts.later_answer_kept, label="、".join(later_ones))
        return evolve(
            application,
            held={**application.held, **{later.id: kept_answer(result, words) for later, result, words in found}},
        )

    def number_not_at_hand(self, service: Service, application: Application, current: Step) -> None:
        """ "证不在身边": never a wrong answer. A number staff can collect later is left for them (the request
        says so); one the request cannot go without is waited for, with a person offered."""
        if current.optional:
            self.say(self.prompts.number_left_for_staff)
            left = self.prompts.left_for_staff.text  # one wording in every mode: it marks the answer
            self.record(service, application, current, Valid(value=None, display=left))
            return
        self.say(self.prompts.number_not_at_hand)

    def keep_for_later(self, service: Service, application: Application, current: Step, text: str) -> bool:
        """ "我爸叫刘建国" at the phone question, "肢体" at the relation question: kept for the question it
        answers (the caller asks this one again), nothing counted against the resident."""
        found = later_answers_in(service, application, current, text, today=self.today)
        if found:
            held = {**application.held, **{later.id: kept_answer(result, words) for later, result, words in found}}
            # Heard too: "他是肢体一级，有证" also says what its card question will offer.
            self.state = evolve(self.state, application=evolve(self.heard_in(application, text), held=held))
            self.say(self.prompts.later_answer_kept, label="、".join(later.label for later, _, _ in found))
            return True
        half = later_half_answer(service, application, current, text)
        if half is None:
            return self.keep_topic_for_later(service, application, current, text)
        later, answer, kept = half
        partial = {k: v for k, v in application.partial.items() if k != later.id}
        if isinstance(answer, Valid):  # the other half was kept before: the answer is whole
            held = {**application.held, later.id: kept_answer(answer, text)}
            application = evolve(application, held=held, partial=partial)
            said = answer.display
        else:
            application = evolve(application, partial={**partial, later.id: kept})
            said = describe_disability(kept.get("category"), kept.get("level"))
        self.state = evolve(self.state, application=application)
        self.say(self.prompts.later_answer_kept, label=said)
        return True

    def keep_topic_for_later(self, service: Service, application: Application, current: Step, text: str) -> bool:
        """ "家里领低保" at the name question: remembered as said, so its own question offers it."""
        answered = [
            later
            for later in service.steps
            if later.id != current.id
            and later.id not in application.answers
            and later.id not in application.proposed
            and later.may_apply(application.answers)
            and topic_answer(later, text, today=self.today) is not None
        ]
        if len(answered) != 1:
            return False
        self.state = evolve(self.state, application=self.heard_in(application, text))
        self.say(self.prompts.later_answer_kept, label=answered[0].label)
        return True

    def record(self, service: Service, application: Application, current: Step, result: Valid) -> None:
        changed = application.answers.get(current.id, result.value) != result.value
        answers = {**application.answers, current.id: result.value}
        displays = {**application.displays, current.id: _display(current, result)}
        if changed:
            for stale in dependents(service, current):
                answers.pop(stale.id, None)
                displays.pop(stale.id, None)
        history = application.history if current.id in application.history else (*application.history, current.id)
        application = evolve(application, answers=answers, displays=displays, history=history, paged="")
        self.state = evolve(self.state, application=application)
        for rule in service.rules:
            if rule.after == current.id and rule.applies(answers):
                self.say(rule.say)
                if rule.outcome == "stop":
                    self.state = evolve(self.state, application=None)
                    self.say(self.prompts.stop_footer)
                    self.back_to_paused()
                    return
        if self.state.mode == "voice" and current.type in READ_BACK:
            # Heard, not seen: a long number is read back before going on.
            self.state = evolve(self.state, pending=ReadBack())
            self.reask()
            return
        self.advance(service, application, current)

    def advance(self, service: Service, application: Application, current: Step) -> None:
        answers = application.answers
        following = next_step(service, answers, current.id, only_unanswered=application.correcting)
        if application.correcting and following is None:
            following = next_step(service, answers, None, only_unanswered=True)
        if following is not None:
            self.state = evolve(self.state, application=evolve(application, step=following.id))
            self.ask_current()
        elif service.confirm:
            if application.correcting:
                self.say(self.prompts.correction_done)
            self.state = evolve(self.state, application=evolve(application, phase="confirming", correcting=False))
            self.ask_current()
        else:
            self.submit(service, application)

    def show_summary(self, service: Service, application: Application) -> None:
        # Not numbered: while confirming, numbers mean the yes/no options below.
        lines = [f"{s.label}：{application.displays.get(s.id, '没有')}。" for s in answered_steps(service, application)]
        intro = self.text_of(self.prompts.summary_intro, service=service.short_name)
        # Heard, a dozen answers in one message cannot be followed: five to a message.
        size = len(lines) if self.state.mode == "text" else AT_ONCE
        for start in range(0, len(lines), size or 1):
            self.say_text("\n".join(([intro] if start == 0 else []) + lines[start : start + size]))
        self.say(self.prompts.summary_question, YES_NO)

    def answer_summary(self, service: Service, application: Application, text: str) -> None:
        correction = correction_in(service, application, text, at_summary=True, today=self.today)
        if correction is not None:  # "区错了，是城中区", "好了，我妈叫王桂兰": the new value, not a yes
            self.take_correction(service, application, *correction)
            return
        target = step_named(service, application, text)
        if target is not None:
            self.correct(application, target)
            return
        said = normalize(text)
        if any(normalize(word) == said for word in self.catalog.commands.confirm):
            self.understood()
            self.submit(service, application)
            return
        result = parse_yes_no(text)
        if isinstance(result, Valid) and result.value:
            self.understood()
            self.submit(service, application)
        elif isinstance(result, Valid):
            self.understood()
            self.state = evolve(self.state, application=evolve(application, phase="choosing_correction"))
            self.ask_current()
        elif not self.misunderstood():
            self.say(self.prompts.summary_question, YES_NO)

    def choose_correction(self, service: Service, application: Application, text: str) -> None:
        correction = correction_in(service, application, text, at_summary=True, today=self.today)
        if correction is not None:  # "哪一项要改？" answered with the new value: "区错了，是城中区"
            self.take_correction(service, application, *correction)
            return
        target = step_named(service, application, text)
        if target is None:
            steps = answered_steps(service, application)
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
        self.state = evolve(
            self.state, application=evolve(application, phase="asking", step=target.id, correcting=True)
        )
        self.ask_current()

    def submit(self, service: Service, application: Application) -> None:
        kept = answered_steps(service, application)
        answers = {s.id: application.answers.get(s.id) for s in kept}
        displays = {k: application.displays[k] for k in answers if k in application.displays}
        fields: dict[str, Any] = {str(s.field): answers.get(s.id) for s in kept if s.field is not None}
        self.effects.append(
            CreateCase(
                service=service.id,
                team=service.team,
                application_id=application.application_id,
                answers=answers,
                displays=displays,
                fields=fields,
                notes=(*notes_for(service, application), *self.left_for_staff(application, kept)),
            )
        )
        self.state = evolve(self.state, application=None)
        if service.id == HANDOFF_SERVICE:
            self.handed_off("")
        self.say(service.done, case_id=CASE_ID_PLACEHOLDER)
        if self.state.mode == "text":
            if service.documents:
                self.replies.append(Reply(self.text_of(self.prompts.documents_intro), items=tuple(service.documents)))
            for extra in (service.where, service.next_steps):
                if extra is not None:
                    self.say(extra)
            self.back_to_paused()
            return
        # Heard, the whole closing is too much at once: one document, or one part, per message.
        parts = [
            self.text_of(self.prompts.document_item, number=_chinese(n), item=document)
            for n, document in enumerate(service.documents, start=1)
        ]
        if parts:
            parts[0] = self.text_of(self.prompts.documents_intro) + parts[0]
        parts.extend(self.text_of(extra) for extra in (service.where, service.next_steps) if extra is not None)
        self.read_on(tuple(parts))

    def left_for_staff(self, application: Application, steps: list[Step]) -> tuple[str, ...]:
        """ "残疾人证号码：先空着，由工作人员补上": the numbers the resident did not have, for staff."""
        left = self.prompts.left_for_staff.text  # one wording in every mode: it marks the answer
        return tuple(
            f"{s.label}：{left}"
            for s in steps
            if application.answers.get(s.id) is None and application.displays.get(s.id) == left
        )

    def read_on(self, parts: tuple[str, ...]) -> None:
        """The next part of the closing, and "要听下一项吗？" while more are left."""
        part, *rest = parts or ("",)
        if part:
            self.say_text(part)
        if rest:
            self.state = evolve(self.state, pending=Reading(tuple(rest)))
            self.say(self.prompts.next_item, YES_NO)
            return
        self.state = evolve(self.state, pending=None)
        if part:
            self.say(self.prompts.reading_done)
        self.back_to_paused()

    def answer_reading(self, reading: Reading, text: str) -> None:
        """Yes: the next part. No: stop there. Anything else is what the resident wants now."""
        said = parse_yes_no(text)
        if isinstance(said, Valid) and said.value:
            self.understood()
            self.read_on(reading.parts)
            return
        self.state = evolve(self.state, pending=None)
        if isinstance(said, Valid):
            self.understood()
            self.say(self.prompts.reading_stopped)
            self.back_to_paused()
            return
        # Anything else is what the resident wants now, never dropped: an answer to the question the paused
        # application was at goes there; anything else is handled as it is, and the paused one waits.
        paused = self.state.paused
        if paused is not None and paused.service in self.catalog.services and self.fits_question(paused, text):
            self.state = evolve(self.state, application=paused, paused=None)
            self.say(self.prompts.paused_back, service=self.service(paused).short_name)
            self.answer_application(text)
            return
        self.handle_text(text)
        if self.state.pending is None:
            self.back_to_paused()

    def back_to_paused(self) -> None:
        """An application put aside for another request is offered again once that one is over."""
        paused = self.state.paused
        if paused is None or self.state.application is not None or paused.service not in self.catalog.services:
            return
        self.state = evolve(self.state, application=paused, paused=None)
        self.say(self.prompts.paused_resume, service=self.service(paused).short_name)
        self.offer_resume()

    def open_handoff(self) -> str | None:
        """The number of the request for a person this conversation filed about the same application (or
        about none), if there is one; the pipeline forgets it once staff have closed it."""
        state = self.state
        about = state.application.application_id if state.application is not None else ""
        if state.application is not None and state.application.service == HANDOFF_SERVICE:
            about = ""
        if state.handoff_for == URGENT:  # staff already have her urgent request: a person is asked there
            about = URGENT
        return state.handoff_case if state.handoff_case and state.handoff_for == about else None

    def handed_off(self, about: str) -> None:
        self.state = evolve(self.state, handoff_case=CASE_ID_PLACEHOLDER, handoff_for=about)

    def hand_off(self) -> None:
        """File a request for a person at once; an unfinished application stays where it was. While one
        filed before about the same application is open, the resident is told its number and what they
        said goes to it: never a second request for the same thing."""
        service = self.catalog.services[HANDOFF_SERVICE]
        current = self.state.application
        writing_to_staff = current is not None and current.service == HANDOFF_SERVICE
        case_id = self.open_handoff()
        if case_id is not None:
            self.effects.append(AddToCase(case_id=case_id, text=self.event.text[:MAX_TEXT]))
            if writing_to_staff:  # what they were writing goes to the open request instead
                self.state = evolve(self.state, application=None)
            self.say(self.prompts.handoff_open, case_id=case_id)
            if current is not None and not writing_to_staff:
                self.say(self.prompts.resumed)
                self.ask_current()
            return
        recent = [t.text for t in self.state.transcript[-6:] if t.who == "resident"]
        answers: dict[str, Any] = {"recent_messages": " / ".join(recent) or self.event.text[:MAX_TEXT]}
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
        self.handed_off(current.application_id if current is not None and not writing_to_staff else "")
        self.say(service.done, case_id=CASE_ID_PLACEHOLDER)
        if current is not None:
            self.say(self.prompts.resumed)
            self.ask_current()


@dataclass(frozen=True)
class PendingKind(Generic[Question]):
    """How a question outside the application's own steps is asked again and how its answer is taken.
    ``ask`` says False when what it needs is gone (the open question is asked instead)."""

    ask: Callable[[_Turn, Question], bool]
    answer: Callable[[_Turn, Question, str], None]


PENDING: dict[type[PendingQuestion], PendingKind[Any]] = {
    Resume: PendingKind(_Turn.ask_resume, _Turn.answer_resume),
    Cancel: PendingKind(_Turn.ask_cancel, _Turn.answer_cancel),
    Restart: PendingKind(_Turn.ask_restart, _Turn.answer_restart),
    Handoff: PendingKind(_Turn.ask_handoff, _Turn.answer_handoff),
    ModeQuestion: PendingKind(_Turn.ask_mode, _Turn.answer_mode_question),
    Heard: PendingKind(_Turn.ask_heard, _Turn.answer_heard),
    ReadBack: PendingKind(_Turn.ask_read_back, _Turn.answer_read_back),
    Offer: PendingKind(_Turn.ask_offer, _Turn.answer_offer),
    Guess: PendingKind(_Turn.ask_guess, _Turn.answer_guess),
    Proposal: PendingKind(_Turn.ask_proposal, _Turn.answer_proposal),
    Reading: PendingKind(_Turn.ask_reading, _Turn.answer_reading),
    Which: PendingKind(_Turn.ask_which_again, _Turn.answer_which),
    Money: PendingKind(_Turn.ask_money, _Turn.answer_money),
}


def local_date(now: float) -> date:
    """The day in Liuzhou (UTC+8, no daylight saving) at ``now`` seconds since the epoch."""
    return datetime.fromtimestamp(now, tz=LIUZHOU).date()


@lru_cache(maxsize=32)  # cn2an is slow; a closing counts the same few documents every time
def _chinese(number: int) -> str:
    return str(cn2an.an2cn(number))


def _offer_yes(commands: Commands) -> frozenset[str]:
    return frozenset(normalize(word) for word in commands.offer_yes)


def _only_open_step(service: Service, application: Application) -> bool:
    """Every question but the one being corrected is answered: the correction came from the summary."""
    unanswered = [s.id for s in service.steps if s.applies(application.answers) and s.id not in application.answers]
    return not unanswered or unanswered == [application.step]


# Said around a word naming what is wanted: "护理的", "那个护理吧".
_AROUND_A_NAME = re.compile(r"^(?:那个|就是|我要|要)+|(?:的|吧|啊|呀|呢|那个)+$")


def named_in_part(text: str, names: dict[str, tuple[str, ...]]) -> str | None:
    """The one id among ``names`` whose names hold what was said ("护理" in 重度残疾人护理补贴); None when it is
    shorter than two characters, or in none or several of them ("补贴")."""
    said = _AROUND_A_NAME.sub("", normalize(text))
    if len(said) < 2:
        return None
    holding = [key for key, forms in names.items() if any(said in normalize(form) for form in forms)]
    return holding[0] if len(holding) == 1 else None


_SAYS_A_NAME = re.compile(r"叫|名字|姓名")
_OPENS_WRONG = re.compile(r"^(?:不对|错了|搞错了|说错了|不是)")


def corrects_first(current: Step, text: str) -> bool:
    """Whether ``text`` is read as a correction of an earlier answer before it is read as an answer here.

    A choice or yes/no question takes a stray 是, 对 or 不 as its answer, so a message that says something was
    wrong is a correction there whenever it carries a new value for an earlier question. A free-text answer
    may well mention that something was wrong ("老板说我做得不对"), so there only a message that opens with it
    is.
    """
    if current.type in ("choice", "yes_no"):
        return says_wrong(text)
    return current.type == "text" and _OPENS_WRONG.match(normalize(text)) is not None


def another_number_asked_later(service: Service, application: Application, current: Step, text: str) -> bool:
    """``text`` names a number other than the one ``current`` asks for, and that one is still to be asked."""
    named = numbers_named(text)
    return (
        bool(named)
        and current.type not in named
        and any(
            later.type in named and later.id not in application.answers and later.may_apply(application.answers)
            for later in service.steps
        )
    )


def fact_alone(text: str) -> bool:
    """A category and level, or a district, said with nothing asked for ("听力三级", "我是柳北区的")."""
    said = normalize(text)
    if any(ch.isdigit() for ch in said):
        return False  # "9" chooses from a list (the districts' numbers among them), it states no fact
    return isinstance(parse_disability(said), Valid) or isinstance(parse_district(said), Valid)


def fact_without_question(service: Service, text: str) -> bool:
    """A category and level, a district or an age said where the application asks for none of them."""
    said = normalize(text)
    asked = {step.type for step in service.steps}
    return (
        ("disability" not in asked and isinstance(parse_disability(said), Valid))
        or ("district" not in asked and isinstance(parse_district(said), Valid))
        or ("age" not in asked and said_as_age(said) and isinstance(parse_age(said), Valid))
    )


def states_a_fact(text: str) -> bool:
    """ "他是听力二级", "户口是柳北区": a sentence whose 是 joins a fact of another kind (a category and level, a
    district, a long number), not a yes."""
    first = normalize(clauses(text)[0])
    if len(first) <= SHORT_YES_NO:
        return False
    return (
        isinstance(parse_disability(first), Valid)
        or isinstance(parse_district(first), Valid)
        or _LONG_NUMBER.search(first) is not None
    )


def _held_proposal(current: Step, application: Application) -> Proposal | None:
    """An answer to ``current`` kept when it was said early, offered once for a yes."""
    held = application.held.get(current.id)
    if not isinstance(held, dict) or "value" not in held or current.id in application.proposed:
        return None
    if current.id in application.answers:
        return None
    return Proposal(current.id, held["value"], str(held.get("quote", "")))


def _two_way(current: Step) -> bool:
    return current.type == "choice" and len(current.options) == 2


def _label_of(current: Step, value: Any) -> str:
    """How a stored answer is said: its option's label, or the step's own yes/no words."""
    if current.type == "yes_no" and isinstance(value, bool):
        labels = current.yes_no_labels or ("是", "不是")
        return labels[0] if value else labels[1]
    return next((o.label for o in current.options if o.value == value), str(value))


def _options_of(current: Step) -> tuple[str, ...]:
    if current.type == "yes_no":
        return current.yes_no_labels or YES_NO
    return tuple(o.label for o in current.options)


def _display(current: Step, result: Valid) -> str:
    if current.type == "yes_no" and current.yes_no_labels is not None and isinstance(result.value, bool):
        return current.yes_no_labels[0] if result.value else current.yes_no_labels[1]
    return result.display
