"""Signed WeChat pushes through the real ``/wechat`` endpoint, against a bare endpoint doing the least possible.

    python -m benchmarks.wechat_push [--users 200] [--concurrency 50] [--rounds 10]
        [--redis redis://127.0.0.1:6379/9] [--database postgresql+asyncpg://postgres@127.0.0.1:5432/test]

The full service (``open_services`` + ``create_app``, the real pipeline, Redis and PostgreSQL, a WeChat API
simulator for the API) runs in a child process on a free port of 127.0.0.1; this process is the platform:
every user sends the opening of an application (three messages, each answered passively), users in
parallel over ``--concurrency`` connections, in plaintext and in safe mode. A second child serves a bare
endpoint: it checks the signature (and in safe mode decrypts), parses the XML, makes the minimum Redis
round trips (a dedup ``SET NX``, a ``GET`` and a ``SET`` of the person's state) and answers ``success``.
Requests are signed and encrypted before the clock starts; answers are checked after it stops.

Both servers run side by side and take turns, round after round (fresh users each round, who goes
first alternating), so that a machine whose speed drifts during the run slows both alike; the median
of the rounds' ratios is the figure to quote. Besides throughput and latency, the script
prints each server's own CPU time per push (from /proc): each is one process on one core, so that figure
is the steadiest measure of how much work a push costs when other machines share the hardware.

The Redis database given is emptied at the start and at the end; nothing is written to SQL (opening
messages only read what the Redis copy of residents' preferences says). Every count is bounded and every
child is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto

from benchmarks.stats import percentile, report
from bot.app import create_app
from bot.channels.wechat.signature import matches, sign
from bot.channels.wechat.simulator import WeChatSimulator
from bot.channels.wechat.simulator.push_xml import cdata, push_xml
from bot.config import Settings
from bot.event_loop import new_event_loop
from bot.heap import freeze_startup_objects
from bot.services import open_services
from bot.storage.redis import create_redis
from dialogs.loader import load_catalog
from tests.paths import CONTENT_DIR, ROOT

TOKEN = "benchmark-wechat-token"  # noqa: S105 - a made-up push token for the local run
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx_benchmark"
APP_SECRET = "benchmark-secret"  # noqa: S105 - the simulator's made-up credential
ACCOUNT = "gh_benchmark"
HOST = "127.0.0.1"
OPENINGS = (("你好", "我想申请生活补贴", "给我自己"), ("护理补贴", "替家里人申请", "我是她女儿"))
CHILD_START_TIMEOUT = 60.0
CHILD_STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


# ---------------------------------------------------------------- the servers (child processes)


@contextlib.asynccontextmanager
async def _site(app: web.Application) -> AsyncIterator[int]:
    """Serve ``app`` on a free port of 127.0.0.1; the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def _until_stdin_closes() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def serve_full(redis_url: str, database_url: str) -> None:
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    with tempfile.TemporaryDirectory(prefix="wechat-push-bench-") as var_dir:
        async with _site(simulator.app()) as api_port:
            settings = Settings(
                redis_url=redis_url,
                database_url=database_url,
                secret_key="benchmark-secret-key-" * 3,
                var_dir=Path(var_dir),
                content_dir=CONTENT_DIR,
                wechat_token=TOKEN,
                wechat_app_id=APP_ID,
                wechat_app_secret=APP_SECRET,
                wechat_aes_key=AES_KEY,
                wechat_api_base=f"http://{HOST}:{api_port}",
            )
            async with open_services(settings, load_catalog(CONTENT_DIR)) as services:
                await services.redis.flushdb()
                app = create_app(services)
                freeze_startup_objects()  # as `python -m bot serve` does before it serves
                async with _site(app) as port:
                    print(f"PORT {port}", flush=True)
                    await _until_stdin_closes()
                print(f"API sends {len(simulator.sent)}", flush=True)
                await services.redis.flushdb()


def bare_app(redis_url: str) -> web.Application:
    """The least a WeChat endpoint can do for a push: authenticate, read, dedup, load and save state, answer."""
    redis = create_redis(redis_url)
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    async def push(request: web.Request) -> web.Response:
        query = request.query
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not matches(sign(TOKEN, timestamp, nonce), query.get("signature", "")):
            return web.Response(status=403, text="wrong signature")
        if abs(time.time() - int(timestamp)) > 300:
            return web.Response(status=403, text="stale timestamp")
        body = (await request.read()).decode("utf-8")
        if query.get("encrypt_type") == "aes":
            encrypt = xmltodict.parse(body)["xml"]["Encrypt"]
            if not matches(sign(TOKEN, timestamp, nonce, encrypt), query.get("msg_signature", "")):
                return web.Response(status=403, text="wrong msg_signature")
            body = crypto.decrypt_message(body, query["msg_signature"], timestamp, nonce)
        fields = xmltodict.parse(body)["xml"]
        state_key = f"bench-bare:state:{fields['FromUserName']}"
        if await redis.set(f"bench-bare:seen:{fields['MsgId']}", b"1", nx=True, ex=3600):
            state = await redis.get(state_key) or b""
            await redis.set(state_key, state + fields["Content"].encode()[:16], ex=3600)
        return web.Response(text="success")

    async def close(_app: web.Application) -> None:
        # The full service shares the database and empties it itself; take away only what is ours.
        async for name in redis.scan_iter(match="bench-bare:*", count=1000):
            await redis.delete(name)
        await redis.aclose()

    app = web.Application()
    app.router.add_post("/wechat", push)
    app.on_cleanup.append(close)
    return app


async def serve_bare(redis_url: str) -> None:
    async with _site(bare_app(redis_url)) as port:
        print(f"PORT {port}", flush=True)
        await _until_stdin_closes()


# ---------------------------------------------------------------- the platform (this process)


@dataclass(frozen=True)
class Push:
    query: dict[str, str]
    body: bytes


@dataclass
class Phase:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    answers: list[tuple[int, str]]
    cpu_seconds: float | None = None  # the server's own CPU time, where /proc tells it

    def add(self, other: Phase) -> Phase:
        cpu = None if self.cpu_seconds is None or other.cpu_seconds is None else self.cpu_seconds + other.cpu_seconds
        return Phase(
            self.name,
            self.count + other.count,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.answers + other.answers,
            cpu,
        )

    @property
    def throughput(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms_per_push(self) -> float | None:
        return None if self.cpu_seconds is None else 1000 * self.cpu_seconds / self.count


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far, or None where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seal(openid: str, text: str, safe: bool, crypto: WeChatCrypto) -> Push:
    stamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
    msg_id = 10**18 + secrets.randbelow(10**17)
    xml = push_xml(ACCOUNT, openid, int(stamp), "text", [("Content", text)], msg_id)
    query = {"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce, "openid": openid}
    if not safe:
        return Push(query, xml.encode())
    sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, stamp))["xml"]
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(sealed['Encrypt'])}</Encrypt></xml>"
    return Push({**query, "encrypt_type": "aes", "msg_signature": str(sealed["MsgSignature"])}, body.encode())


def conversations(prefix: str, users: int, safe: bool, crypto: WeChatCrypto) -> list[list[Push]]:
    """Each user's opening of an application, signed (and sealed) in advance."""
    run = secrets.token_hex(4)
    return [
        [seal(f"{prefix}-{run}-{n}", text, safe, crypto) for text in OPENINGS[n % len(OPENINGS)]] for n in range(users)
    ]


async def load(http: aiohttp.ClientSession, url: str, name: str, users: list[list[Push]], concurrency: int) -> Phase:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    answers: list[tuple[int, str]] = []

    async def user(pushes: list[Push]) -> None:
        for push in pushes:  # one person's messages follow one another
            async with gate:
                started = time.perf_counter()
                async with http.post(url, params=push.query, data=push.body, timeout=REQUEST_TIMEOUT) as response:
                    answer = (response.status, await response.text())
                latencies.append(time.perf_counter() - started)
                answers.append(answer)

    began = time.perf_counter()
    await asyncio.gather(*(user(pushes) for pushes in users))
    return Phase(name, len(latencies), time.perf_counter() - began, latencies, answers)


def check(phase: Phase, crypto: WeChatCrypto, *, passive: bool, safe: bool) -> str:
    """How many answers were what this endpoint must answer: a readable passive reply, or ``success``."""
    good = 0
    for status, body in phase.answers:
        if status != 200:
            continue
        if not passive:
            good += body == "success"
            continue
        if body == "success":
            continue  # answered late, through the API: not what these small openings should need
        fields = xmltodict.parse(body)["xml"]
        if safe:
            plain = crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
            fields = xmltodict.parse(plain)["xml"]
        good += fields.get("MsgType") == "text" and bool(fields.get("Content"))
    return f"{good}/{len(phase.answers)} answered as expected"


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    pid: int


@contextlib.asynccontextmanager
async def child(*arguments: str) -> AsyncIterator[tuple[int, int]]:
    """A server in a child process (``--serve …``); its port and process id. Closing its stdin stops it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.wechat_push",
        *arguments,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), CHILD_START_TIMEOUT)
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"the {arguments[1]} server did not start: {line!r}")
        yield int(line.split()[1]), process.pid
    finally:
        process.stdin.close()
        try:
            rest = await asyncio.wait_for(process.stdout.read(), CHILD_STOP_TIMEOUT)
            await asyncio.wait_for(process.wait(), CHILD_STOP_TIMEOUT)
            for text in rest.decode().splitlines():
                print(f"  ({arguments[1]} server: {text})")
        except TimeoutError:
            process.kill()  # our own child, stuck
            await process.wait()


async def measured_load(
    http: aiohttp.ClientSession, server: Server, name: str, users: list[list[Push]], concurrency: int
) -> Phase:
    before = cpu_seconds(server.pid)
    phase = await load(http, server.url, name, users, concurrency)
    after = cpu_seconds(server.pid)
    phase.cpu_seconds = None if before is None or after is None else after - before
    return phase


async def measure(args: argparse.Namespace) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        child("--serve", "full", "--redis", args.redis, "--database", args.database) as (full_port, full_pid),
        child("--serve", "bare", "--redis", args.redis) as (bare_port, bare_pid),
    ):
        servers = (
            Server("full service", f"http://{HOST}:{full_port}/wechat", full_pid),
            Server("bare endpoint", f"http://{HOST}:{bare_port}/wechat", bare_pid),
        )
        for server in servers:
            for safe in (False, True):
                # Every connection opened and every code path run once before the clock starts.
                warm_up = conversations("warm", args.concurrency, safe, crypto)
                await load(http, server.url, "warm-up", warm_up, args.concurrency)
        phases: dict[tuple[str, bool], list[Phase]] = {}
        for number in range(args.rounds):
            for safe in (False, True):
                # Fresh users each round, signed just before it; who goes first alternates, so that a
                # machine speeding up or slowing down within a round favours neither.
                for server in servers if number % 2 == 0 else servers[::-1]:
                    mode = "safe mode" if safe else "plaintext"
                    users = conversations(f"{server.name[:4]}-{'aes' if safe else 'raw'}", args.users, safe, crypto)
                    phase = await measured_load(http, server, f"{server.name}, {mode}", users, args.concurrency)
                    phases.setdefault((server.name, safe), []).append(phase)
        summarise(phases, servers, crypto, args.rounds)


def summarise(
    phases: dict[tuple[str, bool], list[Phase]], servers: tuple[Server, Server], crypto: WeChatCrypto, rounds: int
) -> None:
    full, bare = servers
    for safe in (False, True):
        for server in servers:
            total = functools.reduce(Phase.add, phases[(server.name, safe)])
            report(f"{total.name} ({rounds} rounds)", total.count, total.seconds, total.latencies)
            cpu = total.cpu_ms_per_push
            print(
                f"  {check(total, crypto, passive=server is full, safe=safe)}"
                + ("" if cpu is None else f"; server CPU {cpu:.3f} ms per push")
            )
    for safe in (False, True):
        mode = "safe mode" if safe else "plaintext"
        ours = functools.reduce(Phase.add, phases[(full.name, safe)])
        least = functools.reduce(Phase.add, phases[(bare.name, safe)])
        each_round = sorted(
            f.throughput / b.throughput
            for f, b in zip(phases[(full.name, safe)], phases[(bare.name, safe)], strict=True)
        )
        line = (
            f"full/bare, {mode}: throughput {ours.throughput / least.throughput:.2f}x "
            f"(rounds {', '.join(f'{r:.2f}' for r in each_round)}; median {statistics.median(each_round):.2f}x), "
            f"p50 {percentile(ours.latencies, 0.5) / percentile(least.latencies, 0.5):.2f}x, "
            f"p99 {percentile(ours.latencies, 0.99) / percentile(least.latencies, 0.99):.2f}x"
        )
        if ours.cpu_ms_per_push is not None and least.cpu_ms_per_push is not None:
            line += f"; CPU per push {least.cpu_ms_per_push / ours.cpu_ms_per_push:.2f}x of the bare endpoint's rate"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--serve", choices=("full", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.users <= 5000 or not 1 <= args.concurrency <= 500 or not 1 <= args.rounds <= 20:
        parser.error("--users must be 1..5000, --concurrency 1..500 and --rounds 1..20")
    logging.basicConfig(level=logging.WARNING)
    if args.serve is not None:
        # Both servers on the loop the service itself runs on (bot/event_loop.py).
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(serve_full(args.redis, args.database) if args.serve == "full" else serve_bare(args.redis))
    else:
        asyncio.run(measure(args))


if __name__ == "__main__":
    main()
