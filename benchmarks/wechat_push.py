"""Signed WeChat pushes through the real ``/wechat`` endpoint, against a bare endpoint doing the least possible.

    python -m benchmarks.wechat_push [--workload openings|handoff|applications] [--users 200] [--concurrency 50]
        [--rounds 10] [--workers 1] [--redis redis://127.0.0.1:6379/9]
        [--database postgresql+asyncpg://postgres@127.0.0.1:5432/test]

The full service is ``python -m bot serve --workers N`` started as an operator starts it (real Redis and
PostgreSQL, a WeChat API simulator in this process for the API); this process is the platform: every
user sends one workload's messages in order, users in parallel over ``--concurrency`` connections, in
plaintext and in safe mode. The workloads (``--workload``):

- ``openings``: the opening of an application (three messages), the cheapest path;
- ``handoff``: a request, "重复", "帮助", three answers that do not fit (so the handoff offer comes), "对" (a
  handoff case is filed in SQL), "上一步": the everyday mix of repeats, help and misunderstandings;
- ``applications``: a whole application (twelve or fourteen messages) ending in a submission (an
  encrypted case and its events written in SQL).
 Beside it, N bare processes share
one port: each checks the signature (and in safe mode decrypts), parses the XML, makes the minimum
Redis round trips (a dedup ``SET NX``, a ``GET`` and a ``SET`` of the person's state) and answers
``success``. Requests are signed and encrypted before the clock starts; answers are checked after it
stops.

Both servers run side by side and take turns, round after round (fresh users each round, who goes
first alternating), so that a machine whose speed drifts during the run slows both alike; the median
of the rounds' ratios is the figure to quote. Besides throughput and latency, the script prints each
server's own CPU time per push (its processes', from /proc): the steadiest measure of how much work a
push costs when other machines share the hardware.

The Redis database given is emptied at the start and at the end; the service gets a new PostgreSQL database
on the server given, dropped at the end with the cases the run filed. Every count is bounded and every
child is stopped at the end (the service with SIGTERM).
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
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from wechatpy.crypto import WeChatCrypto

from benchmarks.stats import percentile, report
from bot.channels.wechat.signature import matches, sign
from bot.channels.wechat.simulator import WeChatSimulator
from bot.channels.wechat.simulator.push_xml import cdata, push_xml
from bot.event_loop import new_event_loop
from bot.storage.redis import create_redis
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER
from tests.paths import ROOT
from tests.ports import free_port

TOKEN = "benchmark-wechat-token"  # noqa: S105 - a made-up push token for the local run
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx_benchmark"
APP_SECRET = "benchmark-secret"  # noqa: S105 - the simulator's made-up credential
ACCOUNT = "gh_benchmark"
HOST = "127.0.0.1"
WORKLOADS: dict[str, tuple[tuple[str, ...], ...]] = {
    "openings": (("你好", "我想申请生活补贴", "给我自己"), ("护理补贴", "替家里人申请", "我是她女儿")),
    "handoff": (("我想申请生活补贴", "重复", "帮助", "嗯嗯嗯", "这个那个", "啊啊", "对", "上一步"),),
    "applications": ((*LIVING_ALLOWANCE_FOR_MYSELF, CONFIRM), (*NURSING_ALLOWANCE_FOR_MY_MOTHER, CONFIRM)),
}
CHILD_START_TIMEOUT = 60.0
CHILD_STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


# ---------------------------------------------------------------- the servers (child processes)


def service_environment(redis_url: str, database_url: str, api_base: str, var_dir: str) -> dict[str, str]:
    """``python -m bot serve``'s settings for the run: real stores, compatible mode, the simulator's API."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("BOT_")}
    return env | {
        "BOT_REDIS_URL": redis_url,
        "BOT_DATABASE_URL": database_url,
        "BOT_SECRET_KEY": "benchmark-secret-key-" * 3,
        "BOT_VAR_DIR": var_dir,
        "BOT_WECHAT_TOKEN": TOKEN,
        "BOT_WECHAT_APP_ID": APP_ID,
        "BOT_WECHAT_APP_SECRET": APP_SECRET,
        "BOT_WECHAT_AES_KEY": AES_KEY,
        "BOT_WECHAT_MODE": "compatible",  # both rounds, plaintext and sealed, against one service
        "BOT_WECHAT_API_BASE": api_base,
    }


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
        await redis.aclose()

    app = web.Application()
    app.router.add_post("/wechat", push)
    app.on_cleanup.append(close)
    return app


async def serve_bare(redis_url: str, port: int) -> None:
    """One bare process; several of them share ``port`` (SO_REUSEPORT) as the service's workers share theirs."""
    runner = web.AppRunner(bare_app(redis_url), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, HOST, port, reuse_port=True).start()
        print("READY", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until stdin closes
    finally:
        await runner.cleanup()


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


def conversations(
    prefix: str, users: int, safe: bool, crypto: WeChatCrypto, scripts: tuple[tuple[str, ...], ...]
) -> list[list[Push]]:
    """Each user's messages (one of ``scripts``, in turn), signed (and sealed) in advance."""
    run = secrets.token_hex(4)
    return [
        [seal(f"{prefix}-{run}-{n}", text, safe, crypto) for text in scripts[n % len(scripts)]] for n in range(users)
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
    """How many answers were what this endpoint must answer: a readable passive reply (or, for the service,
    ``success`` with the answer sent late through the API), or ``success`` from the bare endpoint."""
    good = late = 0
    for status, body in phase.answers:
        if status != 200:
            continue
        if not passive:
            good += body == "success"
            continue
        if body == "success":
            late += 1  # answered late, through the API
            continue
        fields = xmltodict.parse(body)["xml"]
        if safe:
            plain = crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
            fields = xmltodict.parse(plain)["xml"]
        good += fields.get("MsgType") == "text" and bool(fields.get("Content"))
    answered = f"{good + late}/{len(phase.answers)} answered as expected"
    return answered + (f" ({late} of them late, through the API)" if late else "")


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it (a gunicorn arbiter's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone while we looked
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        tree.append(pid)
        waiting.extend(children.get(pid, []))
    return tree


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    roots: tuple[int, ...]  # the processes started for it; their descendants count too

    def cpu_seconds(self) -> float | None:
        total = 0.0
        for root in self.roots:
            for pid in process_tree(root):
                seconds = cpu_seconds(pid)
                if seconds is None:
                    return None
                total += seconds
        return total


@contextlib.asynccontextmanager
async def _site(app: web.Application) -> AsyncIterator[int]:
    """Serve ``app`` in this process on a free port of 127.0.0.1; the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def _stop(process: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(process.wait(), CHILD_STOP_TIMEOUT)
    except TimeoutError:
        process.kill()  # our own child, stuck
        await process.wait()


@contextlib.asynccontextmanager
async def full_service(http: aiohttp.ClientSession, env: dict[str, str], workers: int) -> AsyncIterator[Server]:
    """``python -m bot serve`` exactly as an operator starts it, until it answers its health check."""
    port = free_port()
    with tempfile.TemporaryFile() as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", str(workers),
            env=env, stdout=output, stderr=asyncio.subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
        try:
            url = f"http://{HOST}:{port}"
            deadline = time.monotonic() + CHILD_START_TIMEOUT
            while not await _healthy(http, url) or len(process_tree(process.pid)) < (
                1 if workers == 1 else workers + 1
            ):
                if process.returncode is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise RuntimeError(f"the service did not start: {output.read().decode(errors='replace')[-2000:]}")
                await asyncio.sleep(0.2)
            yield Server("full service", f"{url}/wechat", (process.pid,))
        finally:
            if process.returncode is None:
                process.terminate()  # SIGTERM: the graceful stop a supervisor asks for
            await _stop(process)


async def _healthy(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


@contextlib.asynccontextmanager
async def bare_endpoint(redis_url: str, workers: int) -> AsyncIterator[Server]:
    """``workers`` bare processes on one port."""
    port = free_port()
    processes = []
    try:
        for _ in range(workers):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "benchmarks.wechat_push", "--serve-bare", str(port), "--redis", redis_url,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
            )  # fmt: skip
            processes.append(process)
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), CHILD_START_TIMEOUT)
            if line.strip() != b"READY":
                raise RuntimeError(f"the bare endpoint did not start: {line!r}")
        yield Server("bare endpoint", f"http://{HOST}:{port}/wechat", tuple(p.pid for p in processes))
    finally:
        for process in processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in processes:
            await _stop(process)


async def measured_load(
    http: aiohttp.ClientSession, server: Server, name: str, users: list[list[Push]], concurrency: int
) -> Phase:
    before = server.cpu_seconds()
    phase = await load(http, server.url, name, users, concurrency)
    after = server.cpu_seconds()
    phase.cpu_seconds = None if before is None or after is None else after - before
    return phase


@contextlib.asynccontextmanager
async def own_database(server_url: str) -> AsyncIterator[str]:
    """A new PostgreSQL database on the server of ``server_url`` for this run (the service migrates it), dropped
    at the end with every case the run filed."""
    name = f"bench_push_{secrets.token_hex(4)}"
    await _outside_a_transaction(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _outside_a_transaction(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _outside_a_transaction(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def measure(args: argparse.Namespace) -> None:
    async with own_database(args.database) as database:
        await _measure(args, database)


async def _measure(args: argparse.Namespace, database: str) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    scripts = WORKLOADS[args.workload]
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    redis = create_redis(args.redis)
    await redis.flushdb()
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    with tempfile.TemporaryDirectory(prefix="wechat-push-bench-") as var_dir:
        async with (
            _site(simulator.app()) as api_port,
            aiohttp.ClientSession(connector=connector) as http,
        ):
            env = service_environment(args.redis, database, f"http://{HOST}:{api_port}", var_dir)
            async with (
                full_service(http, env, args.workers) as full,
                bare_endpoint(args.redis, args.workers) as bare,
            ):
                servers = (full, bare)
                for server in servers:
                    for safe in (False, True):
                        # Every connection opened and every code path run once before the clock starts.
                        warm_up = conversations("warm", args.concurrency, safe, crypto, scripts)
                        await load(http, server.url, "warm-up", warm_up, args.concurrency)
                phases: dict[tuple[str, bool], list[Phase]] = {}
                for number in range(args.rounds):
                    for safe in (False, True):
                        # Fresh users each round, signed just before it; who goes first alternates, so that a
                        # machine speeding up or slowing down within a round favours neither.
                        for server in servers if number % 2 == 0 else servers[::-1]:
                            mode = "safe mode" if safe else "plaintext"
                            prefix = f"{server.name[:4]}-{'aes' if safe else 'raw'}"
                            users = conversations(prefix, args.users, safe, crypto, scripts)
                            phase = await measured_load(http, server, f"{server.name}, {mode}", users, args.concurrency)
                            phases.setdefault((server.name, safe), []).append(phase)
        print(
            f"workload {args.workload}: {args.workers} worker process(es) each; "
            f"the API simulator was sent {len(simulator.sent)} messages"
        )
        summarise(phases, servers, crypto, args.rounds)
    await redis.flushdb()
    await redis.aclose()


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
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="openings", help="what each user sends")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=1, help="processes of each server (default 1)")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.users <= 5000 or not 1 <= args.concurrency <= 500 or not 1 <= args.rounds <= 20:
        parser.error("--users must be 1..5000, --concurrency 1..500 and --rounds 1..20")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be 1..16")
    logging.basicConfig(level=logging.WARNING)
    if args.serve_bare is not None:
        # On the loop the service itself runs on (bot/event_loop.py).
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(serve_bare(args.redis, args.serve_bare))
    else:
        asyncio.run(measure(args))


if __name__ == "__main__":
    main()
