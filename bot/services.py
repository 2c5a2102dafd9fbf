"""Everything with I/O that the service needs, opened once and closed in reverse order.

Shared by the web app (through ``cleanup_ctx``) and the command line, so both talk to the same
stores in the same way.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.broadcast import Broadcast
from bot.cases.audio import CaseAudioStore
from bot.cases.conversation import CaseConversations
from bot.cases.notices import NoticeStore
from bot.cases.queued_replies import QueuedReplyStore
from bot.cases.store import CaseStore
from bot.channels.runner import TurnRunner
from bot.channels.web.channel import CHANNEL as WEB
from bot.channels.web.delivery import WebDelivery
from bot.channels.web.live import CHANNEL as WEB_BELL
from bot.channels.web.live import LivePages
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.queued_delivery import QueuedDelivery
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.staff_delivery import WeChatStaffDelivery
from bot.channels.wechat.token import AccessTokens
from bot.channels.wechat.voice import VoiceIO
from bot.channels.wechat.webhook import CHANNEL, WeChatChannel, WeChatSettings
from bot.channels.wechat.window import ContactWindow
from bot.config import Settings
from bot.delivery import RoutedDelivery
from bot.observability import metrics
from bot.outbox import Outbox
from bot.pipeline import Pipeline
from bot.profiles import ProfileStore
from bot.reply_queue import ReplyQueue
from bot.security.crypto import Cipher
from bot.security.secret import load_or_create_secret
from bot.staff.dashboard import sla
from bot.staff.delivery import ReplyDelivery
from bot.staff.delivery_texts import load_delivery_texts
from bot.staff.live import AnnouncingCaseStore, CaseFeed
from bot.staff.sessions import StaffSessions
from bot.staff.users import StaffUserStore
from bot.staff_talk import StaffTalk
from bot.storage.conversations import ConversationStore
from bot.storage.db import create_engine, create_sessionmaker, upgrade_database
from bot.storage.dedup import MessageDedup
from bot.storage.locks import UserLocks
from bot.storage.profile_mirror import ProfileMirror
from bot.storage.redis import create_redis, require_redis
from dialogs.schema import Catalog
from speech.pool import SpeechPool
from speech.stream import StreamSpeech, recognition_budget
from speech.tts import Synthesizer, TtsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    catalog: Catalog
    redis: Redis
    engine: AsyncEngine
    cases: CaseStore
    notices: NoticeStore
    staff_users: StaffUserStore
    staff_sessions: StaffSessions
    profiles: ProfileStore
    profile_mirror: ProfileMirror
    outbox: Outbox
    staff_talk: StaffTalk
    pipeline: Pipeline
    wechat: WeChatChannel
    delivery: ReplyDelivery
    speech: SpeechPool | StreamSpeech | None
    runner: TurnRunner
    replies: ReplyQueue
    case_audio: CaseAudioStore
    web_live: LivePages


def describe_backends(settings: Settings) -> list[str]:
    """The first lines the service prints: which stores it uses, and whether they are the embedded ones."""
    lines = []
    if settings.uses_embedded_redis:
        lines.append("Redis: embedded in-process store (BOT_REDIS_URL unset; conversations are lost on exit)")
    else:
        lines.append("Redis: " + _without_password(settings.redis_url or ""))
    if settings.uses_embedded_database:
        lines.append(f"Database: embedded SQLite at {settings.var_dir / 'bot.sqlite3'} (BOT_DATABASE_URL unset)")
    else:
        lines.append("Database: " + _without_password(settings.database_url or ""))
    if settings.speech_backend == "stream":
        lines.append(
            "Speech: by speech workers through Redis (BOT_SPEECH_BACKEND=stream: run python -m bot speech-worker)"
        )
    return lines


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        rest = f"{user}:***@{host}" if ":" in credentials else f"{user}@{host}"
    return f"{scheme}{sep}{rest}"


@asynccontextmanager
async def open_services(
    settings: Settings, catalog: Catalog, *, migrate: bool = True, speech_workers: int | None = None
) -> AsyncIterator[Services]:
    """``speech_workers``: recognition processes for this process (default: one per core)."""
    secret, generated = load_or_create_secret(settings)
    if generated:
        log.warning("BOT_SECRET_KEY is unset: using a development key kept in %s", settings.var_dir / "secret.key")
    database_url = settings.effective_database_url
    if migrate:
        await upgrade_database(database_url)
    redis = create_redis(settings.redis_url)
    engine = create_engine(database_url)
    http = aiohttp.ClientSession()
    speech: SpeechPool | StreamSpeech | None = None
    # Wakes open web chat pages: over Redis pub/sub across worker processes, or in-process when embedded.
    web_bell = Broadcast(None if settings.uses_embedded_redis else redis, WEB_BELL)
    try:
        cipher = Cipher(secret)
        speech = await _start_speech(settings, speech_workers, redis, cipher)
        sessionmaker = create_sessionmaker(engine)
        # Announces each change to open staff consoles: over Redis pub/sub, or in-process when embedded.
        feed = CaseFeed(None if settings.uses_embedded_redis else redis)
        cases = AnnouncingCaseStore(sessionmaker, cipher, feed=feed)
        profiles = ProfileStore(sessionmaker)
        profile_mirror = ProfileMirror(redis)
        staff_talk = StaffTalk(
            CaseConversations(sessionmaker, cipher, announce=cases.announce),
            redis,
            shared_redis=not settings.uses_embedded_redis,
            cipher=cipher,
        )
        pipeline = Pipeline(
            catalog=catalog,
            conversations=ConversationStore(timedelta(days=settings.state_ttl_days)),
            locks=UserLocks(redis),
            dedup=MessageDedup(),
            cases=cases,
            profiles=profiles,
            profile_mirror=profile_mirror,
            staff_talk=staff_talk,
        )
        outbox = Outbox(sessionmaker, cipher)
        notices = NoticeStore(sessionmaker)
        runner = TurnRunner(pipeline, notices)  # one for every channel: one set of deliveries to drain
        wechat = _wechat_channel(settings, pipeline, redis, http, speech, runner)
        if wechat.voice is not None:
            wechat.voice.recent = staff_talk.voices  # a voice message to staff keeps its sound
        wechat_delivery = WeChatStaffDelivery(wechat.window, wechat.sender, voice=wechat.voice, profiles=profiles)
        sla.use(sla.load_sla(settings.effective_content_dir))  # a bad file stops start-up, naming the key
        replies = ReplyQueue(
            QueuedReplyStore(sessionmaker, cipher),
            redis,
            load_delivery_texts(settings.effective_content_dir),
            shared_redis=not settings.uses_embedded_redis,
        )
        wechat.queued = QueuedDelivery(replies, wechat_delivery, announce=cases.announce)
        web_live = LivePages(web_bell, redis)
        yield Services(
            settings=settings,
            catalog=catalog,
            redis=redis,
            engine=engine,
            cases=cases,
            notices=notices,
            staff_users=StaffUserStore(sessionmaker),
            staff_sessions=StaffSessions(
                redis,
                timedelta(minutes=settings.session_ttl_minutes),
                max_age=timedelta(hours=settings.session_max_hours),
            ),
            profiles=profiles,
            profile_mirror=profile_mirror,
            outbox=outbox,
            staff_talk=staff_talk,
            pipeline=pipeline,
            wechat=wechat,
            delivery=RoutedDelivery({CHANNEL: wechat_delivery, WEB: WebDelivery(outbox, web_live)}, default=outbox),
            speech=speech,
            runner=runner,
            replies=replies,
            case_audio=CaseAudioStore(sessionmaker, cipher),
            web_live=web_live,
        )
    finally:
        await web_bell.close()
        if speech is not None:
            await speech.close()
        await http.close()
        await engine.dispose()
        await redis.aclose()


async def require_services(services: Services) -> None:
    """Raise ``RedisUnavailable`` when Redis does not answer (the database was reached when migrating)."""
    settings = services.settings
    where = _without_password(settings.redis_url) if settings.redis_url else "the embedded store"
    await require_redis(services.redis, f"Redis at {where}")


async def _start_speech(
    settings: Settings, workers: int | None, redis: Redis, cipher: Cipher
) -> SpeechPool | StreamSpeech | None:
    """The recogniser pool, when a model is configured; it loads the model once per worker process.
    With ``BOT_SPEECH_BACKEND=stream``, the client of the speech workers instead (no model here)."""
    if settings.speech_backend == "stream":
        stream = StreamSpeech(redis, cipher, recognition_budget=recognition_budget(settings.wechat_reply_deadline))
        await stream.start()
        log.info("speech: recognition and synthesis by speech workers through Redis (BOT_SPEECH_BACKEND=stream)")
        return stream
    if settings.vosk_model is None:
        return None
    pool = SpeechPool(settings.vosk_model, workers=workers, on_in_flight=metrics.set_speech_queue)
    await pool.start()
    log.info("speech recognition ready: %s", settings.vosk_model)
    return pool


def _synthesizer() -> Synthesizer | None:
    try:
        return Synthesizer()
    except TtsError as error:
        log.warning("spoken answers are off: %s", error)
        return None


def _wechat_channel(
    settings: Settings,
    pipeline: Pipeline,
    redis: Redis,
    http: aiohttp.ClientSession,
    speech: SpeechPool | StreamSpeech | None,
    runner: TurnRunner,
) -> WeChatChannel:
    """The WeChat endpoint answers 503 without a token; it sends nothing without AppID and AppSecret."""
    window = ContactWindow(redis)
    sender = None
    api = None
    if settings.wechat_app_id and settings.wechat_app_secret:
        tokens = AccessTokens(redis, http, settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret)
        api = WeChatApi(http, settings.wechat_api_base, tokens)
        sender = WeChatSender(api, window)
    if isinstance(speech, StreamSpeech):
        voice = VoiceIO(api, speech, speech)
    else:
        voice = VoiceIO(api, speech, _synthesizer() if api is not None else None)
    channel_settings = None
    if settings.wechat_token:
        channel_settings = WeChatSettings(
            token=settings.wechat_token,
            aes_key=settings.wechat_aes_key,
            previous_aes_key=settings.wechat_previous_aes_key,
            app_id=settings.wechat_app_id,
            reply_deadline=settings.wechat_reply_deadline,
            mode=settings.effective_wechat_mode,
            busy_text=pipeline.catalog.prompts.stores_busy.text,
        )
    return WeChatChannel(
        settings=channel_settings,
        pipeline=pipeline,
        redis=redis,
        window=window,
        sender=sender,
        voice=voice,
        runner=runner,
    )
