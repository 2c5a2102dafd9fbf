"""Voice on WeChat: residents' voice messages in, spoken answers out.

In: download the voice (the 16 kHz copy when the push offers one), decode it in a thread, recognise
it in the speech pool (or through the speech workers' stream). Out: the answer prepared for listening,
synthesised and cut into clips WeChat accepts (AMR, ≤ 60 s, ≤ 2 MB) in a thread (or by a speech worker),
uploaded and sent within the resident's message budget. Every failure here falls back to text: a blind
resident gets the words, never silence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.errors import WeChatApiError, WeChatUnavailable
from bot.channels.wechat.messages import Push
from bot.channels.wechat.sender import SendReport, WeChatSender
from bot.observability import metrics
from bot.pipeline import Heard, Transcriber
from bot.voice_clips import RecentVoices
from dialogs.events import Reply
from dialogs.render import render_spoken
from speech.audio import AudioError, decode
from speech.listening import chunk_for_speech, for_listening
from speech.pool import SpeechBusy, SpeechUnavailable
from speech.speaking import ClipMaker, LocalClips, Recogniser
from speech.tts import Synthesizer, TtsError, max_chars_per_clip

log = logging.getLogger(__name__)

CLIP_SECONDS = 55.0  # under WeChat's 60 s per voice message, with room for the encoder's padding
MAX_CLIPS = 3  # a long answer is better read as text than as many clips eating the message budget


class VoiceIO:
    def __init__(
        self, api: WeChatApi | None, pool: Recogniser | None, synthesizer: Synthesizer | ClipMaker | None
    ) -> None:
        """``pool``: the in-process pool or the speech stream; ``synthesizer``: a local one, or a clip maker."""
        self.api = api
        self.pool = pool
        self.speaker: ClipMaker | None = (
            LocalClips(synthesizer) if isinstance(synthesizer, Synthesizer) else synthesizer
        )
        # Where the audio waits in case the words go to staff (``bot/voice_clips.py``); None: nowhere.
        self.recent: RecentVoices | None = None

    @property
    def can_listen(self) -> bool:
        return self.api is not None and self.pool is not None

    @property
    def keeps_audio(self) -> bool:
        """The sound can be fetched and held for staff, even with no recognition model here."""
        return self.api is not None and self.recent is not None

    @property
    def can_speak(self) -> bool:
        return self.api is not None and self.speaker is not None

    def transcriber(self, push: Push) -> Transcriber:
        async def transcribe(phrases: list[str] | None) -> Heard | None:
            return await self._transcribe(push, phrases)

        return transcribe

    async def _transcribe(self, push: Push, phrases: list[str] | None) -> Heard | None:
        if self.api is None or (self.pool is None and self.recent is None):
            return _wechat_guess(push)
        media_id = push.media_id_16k or push.media_id
        try:
            data, _content_type = await self.api.get_media(media_id)
            if self.recent is not None:
                self.recent.keep(push.dedup_id, data, push.voice_format)
            if self.pool is None:  # no model: WeChat's guess; the sound still reaches staff
                return _wechat_guess(push)
            pcm = await asyncio.to_thread(decode, data, hint=push.voice_format or None)
            with metrics.timed_recognition():
                recognised = await self.pool.recognise(pcm.samples, phrases=phrases)
        except (WeChatApiError, WeChatUnavailable) as error:
            log.warning("voice not downloaded: %s", type(error).__name__)
            return _wechat_guess(push)
        except AudioError as error:
            log.info("voice not usable: %s", error.kind)
            return None
        except (SpeechBusy, SpeechUnavailable) as error:
            log.warning("voice not recognised: %s", type(error).__name__)
            return _wechat_guess(push)
        if not recognised.text:
            return _wechat_guess(push)
        return Heard(recognised.text, recognised.confidence)

    async def clips(self, replies: Sequence[Reply], rate: int) -> list[str]:
        """Upload the spoken form of ``replies`` as voice clips; the media ids, in order (may be empty)."""
        if self.api is None or self.speaker is None:
            return []
        spoken = for_listening("".join(render_spoken(reply) for reply in replies))
        media_ids: list[str] = []
        try:
            for chunk in chunk_for_speech(spoken, max_chars_per_clip(rate, seconds=CLIP_SECONDS)):
                made = await self.speaker.clips(
                    chunk, rate=rate, clip_seconds=CLIP_SECONDS, max_clips=MAX_CLIPS - len(media_ids)
                )
                for clip in made:
                    media_ids.append(await self.api.upload_media("voice", clip.data, clip.filename, clip.content_type))
                if len(media_ids) >= MAX_CLIPS:
                    return media_ids
        except (TtsError, AudioError, SpeechBusy, SpeechUnavailable, WeChatApiError, WeChatUnavailable) as error:
            log.warning("spoken answer not made: %s", type(error).__name__)
        return media_ids

    async def speak(self, sender: WeChatSender, openid: str, replies: Sequence[Reply], rate: int) -> SendReport:
        media_ids = await self.clips(replies, rate)
        if not media_ids:
            return SendReport(sent=0, wanted=0, reason="")
        return await sender.send_voices(openid, media_ids)


def _wechat_guess(push: Push) -> Heard | None:
    """WeChat's own recognition, when it still comes, is better than nothing."""
    return Heard(push.recognition, None) if push.recognition else None
