"""A resident's voice message as browsers play it: whatever the platform sent (AMR, Speex…) → MP3.

Decoded and encoded with PyAV within the limits of ``speech/audio.py`` (2 MB in, 60 s); CPU work, so the
caller runs it in a thread. MP3 plays in every browser a hospital office may still have.
"""

from __future__ import annotations

from bot.voice_clips import VoiceClip
from speech.audio import decode, encode_mp3

CONTENT_TYPE = "audio/mpeg"


def playable(clip: VoiceClip) -> bytes:
    """The clip as MP3 (16 kHz mono, 32 kbit/s); raises ``AudioError`` when it cannot be decoded."""
    return encode_mp3(decode(clip.data, hint=clip.format or None))
