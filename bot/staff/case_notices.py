"""What a resident is told when staff act on their case (claimed, resolved with its outcome and an optional
staff note), from ``content/prompts.yaml``, in the form their mode asks for."""

from __future__ import annotations

from collections.abc import Mapping

from bot.staff.openapi import OUTCOMES
from dialogs.schema import Prompt, Prompts
from speech.listening import for_listening


def staff_notices(prompts: Prompts) -> dict[str, str]:
    """The notices' words by key: each text form, and its simple form under ``simple:``."""
    found: dict[str, Prompt] = {
        "claimed": prompts.notice_claimed,
        "resolved": prompts.notice_resolved,
        "note": prompts.resolved_note,
        **{f"outcome:{outcome}": getattr(prompts, f"resolved_{outcome}") for outcome in OUTCOMES},
    }
    words = {key: prompt.text for key, prompt in found.items()}
    words.update({f"simple:{key}": prompt.for_mode("simple") for key, prompt in found.items()})
    return words


def notice_text(
    notices: Mapping[str, str], what: str, mode: str, *, case_id: int, outcome: str = "", note: str = ""
) -> str:
    """The notice in the resident's form, as other notices pick it (``Prompt.for_mode``): the short simple
    form (``simple:`` keys) for simple mode; for voice mode the words as they read aloud (numbers said digit by
    digit, no symbols), which the channel also speaks where it sends voice. Empty when notices are off."""

    def form(key: str) -> str:
        return notices.get(f"simple:{key}", notices.get(key, "")) if mode == "simple" else notices.get(key, "")

    text = form(what)
    if not text:
        return ""
    said_note = form("note").replace("{note}", _sentence(note)) if note.strip() else ""
    text = text.replace("{case_id}", str(case_id))
    text = text.replace("{outcome}", form(f"outcome:{outcome}")).replace("{note}", said_note)
    return for_listening(text) if mode == "voice" else text


def _sentence(text: str) -> str:
    """A note as one sentence of the notice: trimmed, ending in a full stop."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", ".", "!", "?")) else text + "。"
