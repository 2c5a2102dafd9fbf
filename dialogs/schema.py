"""Typed content: what the YAML files under ``content/`` are parsed into.

Ids are stable strings so a stored conversation survives edits that reorder steps.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=60)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]

StepType = Literal[
    "choice", "yes_no", "id_number", "disability_card", "mobile", "district", "disability", "name", "text", "age"
]
CaseField = Literal[
    "beneficiary_name",
    "id_number",
    "card_number",
    "district",
    "contact_phone",
    "proxy_relationship",
    "proxy_name",
    "proxy_phone",
    "applicant",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prompt(_Model):
    """Something said to a resident. ``simple`` is the short form for simple-language mode; ``voice`` the form
    for a resident who listens, where the text form would be wrong heard aloud ("工作人员会用文字回复您")."""

    text: Line
    simple: Line | None = None
    voice: Line | None = None
    sources: tuple[Id, ...] = ()  # ids from content/sources.yaml that the facts said here rest on

    def for_mode(self, mode: str) -> str:
        if mode == "simple" and self.simple is not None:
            return self.simple
        if mode == "voice" and self.voice is not None:
            return self.voice
        return self.text


class Option(_Model):
    value: Id
    label: Line
    synonyms: tuple[str, ...] = ()


Scalar = str | int | bool | None


class Condition(_Model):
    """``answer`` (a step id, optionally ``step.key`` into a structured answer) compared with a value."""

    answer: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*(\.[a-z_]+)?$")]
    equals: Scalar | None = None
    is_in: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    not_in: tuple[Scalar, ...] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals is not None, self.is_in is not None, self.not_in is not None]
        if sum(tests) != 1:
            raise ValueError("a condition needs exactly one of equals, in, not_in")
        return self

    @property
    def step_id(self) -> str:
        return self.answer.split(".", 1)[0]

    def holds(self, answers: dict[str, Any]) -> bool:
        if self.step_id not in answers:
            return False
        value = answers[self.step_id]
        if "." in self.answer:
            key = self.answer.split(".", 1)[1]
            value = value.get(key) if isinstance(value, dict) else None
        if self.equals is not None:
            return bool(value == self.equals)
        if self.is_in is not None:
            return value in self.is_in
        assert self.not_in is not None
        return value not in self.not_in


class Rule(_Model):
    """An eligibility rule checked right after the step ``after`` is answered."""

    id: Id
    after: Id
    when: tuple[Condition, ...] = Field(min_length=1)
    outcome: Literal["stop", "note"]
    say: Prompt

    def applies(self, answers: dict[str, Any]) -> bool:
        return all(condition.holds(answers) for condition in self.when)


class Step(_Model):
    id: Id
    type: StepType
    ask: Prompt
    label: Line  # how the answer is named in the summary ("联系电话")
    field: CaseField | None = None
    options: tuple[Option, ...] = ()
    when: tuple[Condition, ...] = ()
    optional: bool = False
    aliases: tuple[str, ...] = ()  # words a resident uses to name this answer when correcting it
    yes_no_labels: tuple[Line, Line] | None = None  # for yes/no steps: how the two options are said ("有", "没有")
    max_length: int = Field(default=500, ge=1, le=2000)

    @model_validator(mode="after")
    def _options_match_type(self) -> Step:
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError("a choice step needs at least two options")
        if self.type != "choice" and self.options:
            raise ValueError(f"options are only for choice steps, not {self.type}")
        if self.type != "yes_no" and self.yes_no_labels is not None:
            raise ValueError("yes_no_labels are only for yes_no steps")
        if len(self.options) > 9:
            raise ValueError("at most nine options: more cannot be followed when heard")
        return self

    def applies(self, answers: dict[str, Any]) -> bool:
        return all(condition.holds(answers) for condition in self.when)

    def may_apply(self, answers: dict[str, Any]) -> bool:
        """Whether this step can still be asked: no condition fails on an answer already given (one on an
        answer still to come may yet hold)."""
        return all(condition.holds(answers) or condition.step_id not in answers for condition in self.when)


class Service(_Model):
    """One request a resident can make, from first question to the case it files."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    name: Line
    short_name: Line
    team: Literal["subsidy", "rehab", "legal", "hotline", "employment"]
    phrases: tuple[str, ...] = Field(min_length=1)
    intro: Prompt
    steps: tuple[Step, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    confirm: bool = True
    done: Prompt
    documents: tuple[Line, ...] = ()
    documents_sources: tuple[Id, ...] = ()  # what the list of documents rests on (content/sources.yaml)
    where: Prompt | None = None
    next_steps: Prompt | None = None

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


class MenuItem(_Model):
    """A main-menu option: one service, or a group of up to five that opens its own short menu."""

    label: Line
    simple: Line | None = None
    service: str | None = None
    group: Id | None = None
    services: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _service_or_group(self) -> MenuItem:
        if (self.service is None) == (self.group is None):
            raise ValueError("a menu item names either one service or a group")
        if self.group is not None and not 2 <= len(self.services) <= 5:
            raise ValueError("a group lists two to five services: more cannot be followed when heard")
        if self.service is not None and self.services:
            raise ValueError("services belong to groups only")
        return self


class Faq(_Model):
    """A common question answered without an application, ending with an offer to start one."""

    id: Id
    phrases: tuple[str, ...] = Field(min_length=1)
    answer: Prompt
    offer: str | None = None  # the service the answer offers to start
    # Services offered instead when the question names one by its short name ("护理补贴能领多少钱").
    offer_when_named: tuple[str, ...] = ()


class Commands(_Model):
    """Phrases that work at any point of a conversation."""

    help: tuple[str, ...]
    repeat: tuple[str, ...]
    back: tuple[str, ...]
    restart: tuple[str, ...]
    cancel: tuple[str, ...]
    handoff: tuple[str, ...]
    menu: tuple[str, ...]
    greeting: tuple[str, ...]
    confirm: tuple[str, ...]
    mode_voice: tuple[str, ...]
    mode_text: tuple[str, ...]
    mode_simple: tuple[str, ...]
    slower: tuple[str, ...]
    faster: tuple[str, ...]
    status: tuple[str, ...]
    more_options: tuple[str, ...] = ()  # at a long list heard a few options at a time: the rest, please
    offer_yes: tuple[str, ...] = ()  # to "要现在申请……吗？": the question's own verb said back ("申请") is a yes
    something_else: tuple[str, ...] = ()  # to "您是想办……吗？": none of that, the resident wants another thing
    # A way of answering named by a word that is a command only as the whole message ("语音"): inside a
    # sentence it may say the opposite ("我不会发语音").
    mode_voice_alone: tuple[str, ...] = ()
    mode_text_alone: tuple[str, ...] = ()


class Prompts(_Model):
    """Everything the engine itself says, outside any one service."""

    welcome: Prompt
    menu_intro: Prompt
    help: Prompt
    not_understood: Prompt
    handoff_offer: Prompt
    handoff_declined: Prompt
    handoff_open: Prompt
    crisis_added: Prompt
    talk_case_closed: Prompt
    resume_offer: Prompt
    resumed: Prompt
    cancel_confirm: Prompt
    cancelled: Prompt
    restart_confirm: Prompt
    back_at_first: Prompt
    nothing_to_repeat: Prompt
    summary_intro: Prompt
    summary_question: Prompt
    which_to_correct: Prompt
    correction_done: Prompt
    skip_hint: Prompt
    submit_failed: Prompt
    stop_footer: Prompt
    documents_intro: Prompt
    mode_changed_voice: Prompt
    mode_changed_text: Prompt
    mode_changed_simple: Prompt
    too_long: Prompt
    empty_message: Prompt
    who_self: Prompt
    who_proxy: Prompt
    system_busy: Prompt
    system_error: Prompt
    application_lost: Prompt
    menu_during_application: Prompt
    nothing_to_cancel: Prompt
    subscribed: Prompt
    mode_question: Prompt
    unsupported_media: Prompt
    voice_not_understood: Prompt
    did_you_say: Prompt
    read_back: Prompt
    status_report: Prompt
    status_none: Prompt
    status_new: Prompt
    status_claimed: Prompt
    status_waiting: Prompt
    status_resolved: Prompt
    status_closed: Prompt
    status_line: Prompt
    offer_service: Prompt
    did_you_mean: Prompt
    switched: Prompt
    paused_resume: Prompt
    paused_back: Prompt
    group_intro: Prompt
    notice_claimed: Prompt
    notice_resolved: Prompt
    notice_filed: Prompt
    notice_closed_no_reply: Prompt
    stores_busy: Prompt
    talk_forwarded: Prompt
    resolved_approved: Prompt
    resolved_referred: Prompt
    resolved_rejected: Prompt
    resolved_answered: Prompt
    resolved_duplicate: Prompt
    resolved_unreachable: Prompt
    resolved_note: Prompt
    talk_which: Prompt
    rate_changed_slower: Prompt
    rate_changed_faster: Prompt
    rate_at_limit: Prompt
    waiting: Prompt
    proposal_offer: Prompt
    corrected: Prompt
    more_options: Prompt
    something_else: Prompt
    next_item: Prompt
    document_item: Prompt
    reading_done: Prompt
    reading_stopped: Prompt
    which_of_two: Prompt
    contact_text_only: Prompt
    contact_may_call: Prompt
    contact_via_family: Prompt
    number_not_at_hand: Prompt
    number_left_for_staff: Prompt
    left_for_staff: Prompt
    document_later: Prompt
    later_answer_kept: Prompt
    fact_for_staff: Prompt
    already_answered: Prompt
    fact_before_request: Prompt


class SafetyCategory(_Model):
    """``phrases`` and ``look_alikes`` are regular expressions over the normalised message (no spaces or
    punctuation). A look-alike ("打我手机", "轮椅出不去") is blanked out before the phrases are looked for."""

    id: Id
    phrases: tuple[str, ...] = Field(min_length=1)
    say: Prompt
    look_alikes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _patterns_compile(self) -> SafetyCategory:
        for pattern in (*self.phrases, *self.look_alikes):
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a valid pattern: {error}") from None
            if compiled.match(""):
                raise ValueError(f"{pattern!r} matches an empty message")
        return self


class Safety(_Model):
    """Words that signal danger, checked before anything else. A phrase said right after one of the
    ``negations`` ("没有人打我", "我没想死") is not danger."""

    categories: tuple[SafetyCategory, ...] = Field(min_length=1)
    footer: Prompt
    negations: tuple[str, ...] = ()
    # Said first, before the message is handled as usual, with no urgent request ("被骗": call 110 now).
    warnings: tuple[SafetyCategory, ...] = ()


class MoneyQuestion(_Model):
    """One yes/no question of the money-help screening, and the services a yes makes likely."""

    id: Id
    ask: Prompt
    services: tuple[str, ...] = Field(min_length=1)
    yes_words: tuple[str, ...] = ()  # words that answer this question yes ("在领"), beyond 是/对/有
    no_words: tuple[str, ...] = ()  # and no ("没领"); checked first, as they often contain the yes words


class MoneyHelp(_Model):
    """ "我能领什么钱": a short list of money help found by a yes/no question or two, not the menu."""

    phrases: tuple[str, ...] = Field(min_length=1)
    intro: Prompt
    questions: tuple[MoneyQuestion, ...] = Field(min_length=1, max_length=2)
    one: Prompt  # one service may fit: "{service}" offered with a yes/no question
    two: Prompt  # two may fit: "{first}" and "{second}", asked which first
    none: Prompt  # said when no answer was yes


class Catalog(_Model):
    """All content, validated together."""

    services: dict[str, Service]
    menu: tuple[MenuItem, ...]
    commands: Commands
    prompts: Prompts
    safety: Safety
    faqs: tuple[Faq, ...] = ()
    money: MoneyHelp | None = None
    reasons: dict[str, Prompt] = Field(default_factory=dict)  # why an answer was not taken, by code

    def menu_group(self, group: str) -> MenuItem | None:
        return next((item for item in self.menu if item.group == group), None)
