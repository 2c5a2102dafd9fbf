"""The per-message path: dedup, lock, load state, step the pure core, apply effects, save state.

A case is saved before its number is told. When saving fails the conversation is left as it was
(so every answer is kept) and the resident is told it did not go through; the same message, or a
later "是", tries again, and the idempotency key makes sure only one case ever exists.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from redis.exceptions import RedisError

from bot.cases.conversation import CaseConversations
from bot.cases.errors import CaseConflict, CaseNotFound
from bot.cases.new_case import build_new_case
from bot.cases.store import CaseStore
from bot.observability import metrics
from bot.observability.turns import observed_turn
from bot.profiles import Profile, ProfileStore
from bot.staff_talk import Marks, StaffTalk
from bot.storage.conversations import ConversationStore
from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey
from bot.storage.locks import LockTimeout, UserLocks
from bot.storage.profile_mirror import UNKNOWN, ProfileMirror, Unknown
from bot.storage.turns import TurnStore
from bot.talk_turn import to_staff
from dialogs.contact_preference import ContactPreference
from dialogs.contact_preference import Heard as HeardPreference
from dialogs.engine import step
from dialogs.events import (
    CASE_ID_PLACEHOLDER,
    STATUS_PLACEHOLDER,
    AddToCase,
    CreateCase,
    Effect,
    Inbound,
    InboundKind,
    RecordContactPreference,
    Reply,
    ReportStatus,
    UpdateProfile,
)
from dialogs.expect import expected_phrases
from dialogs.schema import Catalog, Prompt
from dialogs.state import Conversation, Turn

log = logging.getLogger(__name__)

STATUS_CASES = 3  # the newest few: more is hard to follow when heard


@dataclass(frozen=True)
class Heard:
    """What speech recognition made of a voice message."""

    text: str
    confidence: float | None


Transcriber = Callable[[list[str] | None], Awaitable[Heard | None]]


@dataclass(frozen=True)
class Outcome:
    """What to send back for one message."""

    replies: tuple[Reply, ...]
    mode: str
    case_ids: tuple[int, ...] = ()
    speech_rate: int = 0
    duplicate: bool = False
    failed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "replies": [r.to_dict() for r in self.replies],
            "mode": self.mode,
            "case_ids": list(self.case_ids),
            "speech_rate": self.speech_rate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            replies=tuple(Reply.from_dict(r) for r in data.get("replies", ())),
            mode=str(data.get("mode", "text")),
            case_ids=tuple(int(c) for c in data.get("case_ids", ())),
            speech_rate=int(data.get("speech_rate", 0)),
            duplicate=True,
        )


class Pipeline:
    def __init__(
        self,
        *,
        catalog: Catalog,
        conversations: ConversationStore,
        locks: UserLocks,
        dedup: MessageDedup,
        cases: CaseStore,
        profiles: ProfileStore,
        profile_mirror: ProfileMirror,
        clock: Callable[[], float] = time.time,
        staff_talk: StaffTalk | None = None,
    ) -> None:
        self.catalog = catalog
        self.staff_talk = staff_talk
        self.conversations = conversations
        self.turns = TurnStore(conversations, dedup, locks, profile_mirror, cipher=cases.cipher)
        self.cases = cases
        self.case_talk = (
            staff_talk.conversations if staff_talk is not None else CaseConversations(cases.sessionmaker, cases.cipher)
        )
        self.profiles = profiles
        self.profile_mirror = profile_mirror
        self.clock = clock

    @observed_turn("text")
    async def handle(
        self,
        key: UserKey,
        text: str,
        message_id: str,
        *,
        kind: InboundKind = "text",
        confidence: float | None = None,
    ) -> Outcome:
        """Handle one message of one person; never raises for anything the outside world does."""

        async def typed(_state: Conversation) -> Inbound:
            return Inbound(text, message_id, self.clock(), kind, confidence)

        return await self._process(key, message_id, typed)

    @observed_turn("voice")
    async def handle_voice(self, key: UserKey, message_id: str, transcribe: Transcriber) -> Outcome:
        """Handle a voice message: recognised under the person's lock, listening for what fits the
        question they were asked (``transcribe`` gets those phrases, or None to recognise freely)."""

        async def spoken(state: Conversation) -> Inbound:
            heard = await transcribe(expected_phrases(state, self.catalog))
            now = self.clock()
            if heard is None:
                return Inbound("", message_id, now, "voice")
            return Inbound(heard.text, message_id, now, "voice", heard.confidence)

        return await self._process(key, message_id, spoken)

    async def _process(
        self, key: UserKey, message_id: str, make_event: Callable[[Conversation], Awaitable[Inbound]]
    ) -> Outcome:
        prompts = self.catalog.prompts
        try:
            talk_reads = self.staff_talk.reads(key) if self.staff_talk is not None else []
            async with self.turns.turn(key, message_id, talk_reads) as turn:
                # Read with the lock: a retry of this very message may have finished while we waited.
                if turn.remembered is not None:
                    return Outcome.from_dict(turn.remembered)
                state = await self._initial(key, turn.state, turn.profile)
                marks = self.staff_talk.marks(turn.extra) if self.staff_talk is not None else None
                outcome, new_state = await self._handle_locked(key, state, await make_event(state), marks)
                if new_state is not None:
                    turn.finish(new_state.to_dict(), outcome.to_dict())
                return outcome
        except LockTimeout:
            log.warning("lock wait timed out channel=%s", key.channel)
            return Outcome(replies=(Reply(prompts.system_busy.text),), mode="text", failed=True)
        except RedisError as error:
            # The conversation was not saved, so the same words, sent again once Redis is back, are taken
            # afresh; a request already filed on the way is told by its case notice.
            log.warning("message not handled: Redis unavailable channel=%s (%s)", key.channel, type(error).__name__)
            return Outcome(replies=(Reply(prompts.stores_busy.text),), mode="text", failed=True)
        except Exception:
            # Storage outages must reach the resident as a plain sentence, not as silence.
            log.exception("message handling failed channel=%s", key.channel)
            return Outcome(replies=(Reply(prompts.system_error.text),), mode="text", failed=True)

    async def _handle_locked(
        self, key: UserKey, state: Conversation, event: Inbound, marks: Marks | None = None
    ) -> tuple[Outcome, Conversation | None]:
        """The outcome, and the state to save (None: save nothing, the answers stay as they were)."""
        if self.staff_talk is not None and marks is not None:
            to_staff_replies = await to_staff(self.staff_talk, marks, self.catalog, key, state, event)
            if to_staff_replies is not None:  # the state is saved as it was, so a retry is remembered
                return Outcome(replies=to_staff_replies, mode=state.mode, speech_rate=state.speech_rate), state
        result = step(state, event, self.catalog)
        if not await self._added_to_open_case(result.effects):
            # The request staff had is closed: this is taken as if it had never been filed.
            state = replace(state, handoff_case="", handoff_for="")
            result = step(state, event, self.catalog)
        new_state = result.state
        case_ids: list[int] = []
        filled: dict[str, str] = {}
        for effect in result.effects:
            if isinstance(effect, CreateCase):
                new_case = build_new_case(key, effect, new_state, self.catalog)
                try:
                    case_id, created = await self.cases.create(new_case)
                except Exception:
                    log.exception("case could not be saved service=%s channel=%s", effect.service, key.channel)
                    failed = self.catalog.prompts.submit_failed.for_mode(state.mode)
                    return Outcome(replies=(Reply(failed),), mode=state.mode, failed=True), None
                if created:
                    metrics.count_case(effect.service)
                case_ids.append(case_id)
                filled[CASE_ID_PLACEHOLDER] = str(case_id)
            elif isinstance(effect, UpdateProfile):
                await self._save_profile(key, Profile(mode=effect.mode, speech_rate=effect.speech_rate))
            elif isinstance(effect, ReportStatus):
                filled[STATUS_PLACEHOLDER] = await self._status(key, state.mode)
            elif isinstance(effect, RecordContactPreference):
                await self._hear_preference(key, effect)
        if filled:
            new_state = _fill_state(new_state, filled)
        replies = tuple(_fill(reply, filled) for reply in result.replies)
        outcome = Outcome(
            replies=replies, mode=new_state.mode, case_ids=tuple(case_ids), speech_rate=new_state.speech_rate
        )
        return outcome, new_state

    async def _added_to_open_case(self, effects: tuple[Effect, ...]) -> bool:
        """Keep the resident's words on the request they already have with staff; False when that request is
        no longer open (or gone), so that a new one is filed instead."""
        for effect in effects:
            if not isinstance(effect, AddToCase):
                continue
            if not effect.case_id.isdigit():
                return False
            try:
                await self.case_talk.resident_said(int(effect.case_id), effect.text, unclaimed_too=True)
            except (CaseConflict, CaseNotFound):
                return False
        return True

    async def _hear_preference(self, key: UserKey, effect: RecordContactPreference) -> None:
        """Keep how the resident wants to be reached on their open requests; a request filed later hears it
        in its transcript."""
        heard = HeardPreference(ContactPreference(effect.preference), effect.said)
        try:
            await self.cases.hear_on_open_cases(key.channel, key.user_id, heard)
        except Exception:  # the resident was answered; staff only miss the wish on older requests
            log.exception("contact preference not recorded channel=%s", key.channel)

    async def _status(self, key: UserKey, mode: str) -> str:
        prompts = self.catalog.prompts
        try:
            cases = await self.cases.cases_for_user(key.channel, key.user_id)
        except Exception:
            log.exception("status lookup failed channel=%s", key.channel)
            return prompts.system_error.for_mode(mode)
        if not cases:
            return prompts.status_none.for_mode(mode)
        shown = cases[:STATUS_CASES]
        finished = [case.id for case in shown if case.status in ("resolved", "closed")]
        try:
            outcomes = await self.cases.outcomes(finished)
        except Exception:  # the status is still worth telling without what came of it
            log.exception("case outcomes lookup failed channel=%s", key.channel)
            outcomes = {}
        lines = []
        for case in shown:
            service = self.catalog.services.get(case.service)
            status_prompt = getattr(prompts, f"status_{case.status}", prompts.status_new)
            status = status_prompt.for_mode(mode)
            outcome = getattr(prompts, f"resolved_{outcomes.get(case.id)}", None)
            if isinstance(outcome, Prompt):  # "已经办结，申请通过了": what came of it, in plain words
                status = f"{status}，{outcome.for_mode(mode).rstrip('。')}"
            line = prompts.status_line.for_mode(mode)
            line = line.replace("{number}", str(case.id)).replace("{service}", service.short_name if service else "")
            lines.append(line.replace("{status}", status))
        return "\n".join(lines)

    async def _initial(
        self, key: UserKey, stored: dict[str, Any] | None, copied: Profile | Unknown | None
    ) -> Conversation:
        if stored is not None:
            return Conversation.from_dict(stored)
        profile = await self._profile(key) if copied is UNKNOWN else copied
        if profile is None:
            return Conversation()
        mode = profile.mode if profile.mode in ("voice", "text", "simple") else "text"
        return Conversation(mode=mode, speech_rate=profile.speech_rate)  # type: ignore[arg-type]

    async def _profile(self, key: UserKey) -> Profile | None:
        """Read from SQL what the Redis copy could not say, and copy it for next time."""
        found = await self.profiles.get_versioned(key.channel, key.user_id)
        profile, version = found if found is not None else (None, 0)
        try:
            await self.profile_mirror.put(key, profile, version)
        except Exception as error:  # only a later SQL read is lost
            log.warning("profile copy not written channel=%s: %s", key.channel, type(error).__name__)
        return profile

    async def _save_profile(self, key: UserKey, profile: Profile) -> None:
        try:
            version = await self.profiles.save(key.channel, key.user_id, profile)
        except Exception:
            # The mode still holds for this conversation; only its memory across months is lost.
            log.exception("profile could not be saved channel=%s", key.channel)
            return
        try:
            await self.profile_mirror.put(key, profile, version)
        except Exception as error:
            # The copy is now behind SQL: stop trusting it as complete until it is copied again.
            log.warning("profile copy not written channel=%s: %s", key.channel, type(error).__name__)
            try:
                await self.profile_mirror.mark_incomplete()
            except Exception:
                log.warning("profile copy could not be marked incomplete; the daily copy mends it")


def _fill(reply: Reply, values: dict[str, str]) -> Reply:
    text = reply.text
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return reply if text == reply.text else replace(reply, text=text)


def _fill_state(state: Conversation, values: dict[str, str]) -> Conversation:
    """What was said is remembered as said: for 重复, and in the transcript a case carries."""
    last = [_fill(Reply.from_dict(r), values).to_dict() for r in state.last_replies]
    transcript = tuple(Turn(t.who, _fill(Reply(t.text), values).text) for t in state.transcript)
    handoff_case = _fill(Reply(state.handoff_case), values).text
    return replace(state, last_replies=tuple(last), transcript=transcript, handoff_case=handoff_case)
