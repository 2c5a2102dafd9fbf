"""One message of a resident who is talking with staff: to their case, or to the assistant as usual.

What the resident says goes to the case while staff wait for it, except what the assistant must always
handle itself: commands other than asking for a person ("取消", "重复", "菜单"…) and words of danger.
Asking for a person while talking with one is a message to that person, not a second case. A voice
message goes with its sound, also when it waited for "which case?"; one that could not be recognised
still reaches staff, as its sound with a plain marker in place of the words.
"""

from __future__ import annotations

import logging

from bot.cases.conversation import OpenTalk
from bot.cases.errors import CaseConflict, CaseNotFound
from bot.staff_talk import Marks, PendingPick, StaffTalk
from bot.storage.keys import UserKey
from bot.voice_clips import VoiceClip
from dialogs.commands import detect_command
from dialogs.events import Inbound, Reply
from dialogs.safety import detect_crisis
from dialogs.schema import Catalog, Prompt
from dialogs.state import Conversation
from dialogs.validators import normalize

log = logging.getLogger(__name__)

UNHEARD = "（语音，没有听清）"  # what staff read for a voice message whose words are unknown; they hear it
_SPOKEN_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


async def to_staff(
    talk: StaffTalk, marks: Marks, catalog: Catalog, key: UserKey, state: Conversation, event: Inbound
) -> tuple[Reply, ...] | None:
    """The answer when ``event`` went to staff; None when the assistant handles it."""
    if event.kind not in ("text", "voice"):
        return None
    if event.kind == "text" and not marks.talking and marks.pick is None:
        return None  # no one to give the words to: known without reading them (most messages)
    text = event.text.strip()
    unheard = not text
    if unheard:
        if event.kind != "voice":
            return None
        text = UNHEARD
    else:
        command = detect_command(text, catalog.commands)
        if (command is not None and command != "handoff") or detect_crisis(text, catalog.safety) is not None:
            return None
    kind = event.kind
    clip = talk.voices.take(event.message_id) if kind == "voice" else None
    audio: tuple[VoiceClip, ...] = () if clip is None else (clip,)
    pick = talk.pending_pick(marks)
    if pick is not None:
        await talk.forget_pick(key)
        chosen = None if unheard else _chosen(text, pick.case_ids)
        if chosen is not None:
            forwarded = await _forward(talk, catalog, state, chosen, pick.text, pick.kind, pick.audio)
            # Closed meanwhile: say so. The choice ("1") is no message for the assistant (at the menu it would
            # pick 申请补贴), and the words were about that case, so they go to no other.
            return forwarded or (_said(catalog, state, catalog.prompts.talk_case_closed, chosen),)
        # Not a choice but more words: nothing said (nor its sound) is dropped.
        text = f"{pick.text}\n{text}"
        kind = "voice" if "voice" in (pick.kind, kind) else kind
        audio = pick.audio + audio
    talks = await talk.open_for(key, marks)
    if not talks:
        return None
    if len(talks) == 1:
        return await _forward(talk, catalog, state, talks[0].case_id, text, kind, audio)
    await talk.ask_pick(key, PendingPick(text, kind, tuple(t.case_id for t in talks), audio))
    return (_which_case(catalog, state, talks),)


async def _forward(
    talk: StaffTalk,
    catalog: Catalog,
    state: Conversation,
    case_id: int,
    text: str,
    kind: str,
    audio: tuple[VoiceClip, ...],
) -> tuple[Reply, ...] | None:
    """The words, with the sound of the first voice message among them; the sound of any further one
    as a message of its own, so staff hear everything that was said. All of it is stored at once: a case
    closed meanwhile keeps none of it, and the assistant answers the words instead."""
    first = audio[0] if audio else None
    try:
        await talk.conversations.resident_said(case_id, text, kind=kind, audio=first, more_audio=audio[1:])
    except (CaseConflict, CaseNotFound):
        return None  # resolved meanwhile: the assistant answers
    log.info("resident message added to case=%s", case_id)
    return (_said(catalog, state, catalog.prompts.talk_forwarded, case_id),)


def _said(catalog: Catalog, state: Conversation, prompt: Prompt, case_id: int) -> Reply:
    return Reply(prompt.for_mode(state.mode).replace("{case_id}", str(case_id)))


def _which_case(catalog: Catalog, state: Conversation, talks: list[OpenTalk]) -> Reply:
    options = []
    for talk in talks:
        service = catalog.services.get(talk.service)
        name = service.short_name if service is not None else "申请"
        options.append(f"编号{talk.case_id}，{name}")
    return Reply(catalog.prompts.talk_which.for_mode(state.mode), options=tuple(options))


def _chosen(text: str, case_ids: tuple[int, ...]) -> int | None:
    """The answer to "which case": an option's number (we asked for one, digit or spoken), or a case
    number (said as "编号12", or any number that is not an option's)."""
    said = normalize(text)
    by_case_number = said.startswith("编号")
    said = said.removeprefix("编号").removeprefix("第").removesuffix("个").removesuffix("件")
    if said.isdigit():
        number = int(said)
        if not by_case_number and 1 <= number <= len(case_ids):
            return case_ids[number - 1]
        return number if number in case_ids else None
    spoken = _SPOKEN_NUMBERS.get(said)
    if spoken is not None and spoken <= len(case_ids):
        return case_ids[spoken - 1]
    return None
