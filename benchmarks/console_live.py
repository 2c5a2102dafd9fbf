"""Many staff consoles open while residents file cases through ``/wechat``: how fast a new case reaches every
console, and what the open consoles cost the push path.

    python -m benchmarks.console_live [--consoles 50] [--users 200] [--concurrency 50] [--rounds 3]
        [--redis redis://127.0.0.1:6379/9] [--database postgresql+asyncpg://postgres@127.0.0.1:5432/test]

``python -m bot serve`` runs on real Redis and a new PostgreSQL database (dropped at the end), with the WeChat
API simulator of ``benchmarks.wechat_push``. A supervisor account is made with ``python -m bot staff add-user``;
``--consoles`` sessions log in and keep ``/staff/events`` (Server-Sent Events) open. Residents then walk the
``handoff`` workload (a request, repeats, three misunderstandings, "对" files a handoff case, "上一步"), in
plaintext, round after round, alternately with no console open and with all of them open. For each filed case
(its number read from the answer) each console's event is one sample, timed three ways: from the case's own
``created_at`` (the issue's "a new case appears"), from sending the filing push (adds that push's own time
under load) and from its answer's arrival (a lower bound: the case exists before the answer leaves).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from wechatpy.crypto import WeChatCrypto

from benchmarks.stats import percentile
from benchmarks.wechat_push import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    HOST,
    REQUEST_TIMEOUT,
    TOKEN,
    WORKLOADS,
    Push,
    _site,
    conversations,
    full_service,
    own_database,
    service_environment,
)
from bot.channels.wechat.simulator import WeChatSimulator
from bot.storage.redis import create_redis
from tests.paths import ROOT

USERNAME = "bench-supervisor"
PASSWORD = "benchmark-password"  # noqa: S105  # a throw-away account in a throw-away database
_CASE_NUMBER = re.compile(r"编号是?(\d+)")


async def add_supervisor(env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "staff", "add-user", USERNAME, "--role", "supervisor", "--team", "hotline",
        env=env, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate(f"{PASSWORD}\n".encode())
    if process.returncode != 0:
        raise RuntimeError(f"add-user failed: {output.decode(errors='replace')}")


class Consoles:
    """``count`` logged-in event streams; each case number's arrival time on each of them."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}
        self.reloads = 0  # "reload your list": the page fell behind and lost changes, but knows it
        self.ready = 0

    async def watch(self, base: str, stop: asyncio.Event) -> None:
        # unsafe=True: the service is on an IP address, whose cookies aiohttp drops by default.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            login = {"username": USERNAME, "password": PASSWORD}
            async with session.post(f"{base}/staff/api/login", json=login) as response:
                if response.status != 200:
                    raise RuntimeError(f"login: {response.status} {await response.text()}")
            timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
            async with session.get(f"{base}/staff/events", timeout=timeout) as stream:
                if stream.status != 200:
                    raise RuntimeError(f"events: {stream.status} {(await stream.text())[:200]}")
                self.ready += 1
                while not stop.is_set():
                    line = await stream.content.readline()
                    if not line:
                        return
                    if line.startswith(b"data: "):
                        change = json.loads(line[6:])
                        if change.get("kind") == "reload":
                            self.reloads += 1
                        elif change.get("kind") == "created":
                            self.arrivals.setdefault(int(change["case_id"]), []).append(time.time())


async def residents(
    http: aiohttp.ClientSession, url: str, users: list[list[Push]], concurrency: int
) -> tuple[int, float, dict[int, tuple[float, float]]]:
    """Every user's pushes in order; (pushes, seconds, case number -> when its filing push was sent and when
    its answer came back)."""
    gate = asyncio.Semaphore(concurrency)
    filed: dict[int, tuple[float, float]] = {}
    count = 0

    async def user(pushes: list[Push]) -> None:
        nonlocal count
        for push in pushes:
            async with gate:
                sent = time.time()
                async with http.post(url, params=push.query, data=push.body, timeout=REQUEST_TIMEOUT) as response:
                    answer = await response.text()
                answered = time.time()
                count += 1
                if (found := _CASE_NUMBER.search(answer)) is not None:
                    filed[int(found.group(1))] = (sent, answered)

    began = time.perf_counter()
    await asyncio.gather(*(user(pushes) for pushes in users))
    return count, time.perf_counter() - began, filed


async def filing_times(database: str, case_ids: list[int]) -> dict[int, float]:
    """When each case was filed, by the service's own record (same machine, same clock as the consoles)."""
    engine = create_async_engine(database)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id, extract(epoch FROM created_at) FROM cases WHERE id = ANY(:ids)"), {"ids": case_ids}
            )
            return {int(case_id): float(at) for case_id, at in rows}
    finally:
        await engine.dispose()


async def watch_consoles(base: str, count: int) -> None:
    """The child process: ``count`` consoles; prints READY once all are connected, and on stdin's close
    the arrivals as one JSON line."""
    consoles = Consoles()
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(consoles.watch(base, stop)) for _ in range(count)]
    deadline = time.monotonic() + 60
    while consoles.ready < count:
        if done := [task for task in tasks if task.done()]:
            done[0].result()
            raise RuntimeError("a console stream ended before the run")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {consoles.ready} of {count} consoles connected")
        await asyncio.sleep(0.1)
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"arrivals": consoles.arrivals, "reloads": consoles.reloads}), flush=True)


@contextlib.asynccontextmanager
async def open_consoles(base: str, count: int) -> AsyncIterator[dict[int, list[float]]]:
    """Consoles in a child process; the dict is filled with their arrivals when the block ends (and -1
    with how many reload events they got)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.console_live", "--watch", base, "--consoles", str(count),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    arrivals: dict[int, list[float]] = {}
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 90)
        if line.strip() != b"READY":
            raise RuntimeError(f"the consoles did not connect: {line!r}")
        yield arrivals
        await asyncio.sleep(2.0)  # the last events on their way
        process.stdin.close()
        found = json.loads(await asyncio.wait_for(process.stdout.read(), 60))  # one long line, then EOF
        arrivals.update({int(case_id): times for case_id, times in found["arrivals"].items()})
        arrivals[-1] = [float(found["reloads"])]
    finally:
        if process.returncode is None:
            process.stdin.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 30)
            if process.returncode is None:
                process.kill()
                await process.wait()


async def measure(args: argparse.Namespace) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    redis = create_redis(args.redis)
    await redis.flushdb()
    scripts = WORKLOADS["handoff"]
    quiet_rates: list[float] = []
    watched_rates: list[float] = []
    delays: list[float] = []
    after_answer: list[float] = []
    after_filing: list[float] = []
    missing = 0
    reloads = 0
    with tempfile.TemporaryDirectory(prefix="console-live-bench-") as var_dir:
        async with (
            own_database(args.database) as database,
            _site(simulator.app()) as api_port,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency)) as http,
        ):
            env = service_environment(args.redis, database, f"http://{HOST}:{api_port}", var_dir)
            async with full_service(http, env, args.workers) as server:
                base = server.url.removesuffix("/wechat")
                await add_supervisor(env)
                await residents(http, server.url, conversations("warm", args.concurrency, False, crypto, scripts), 50)
                for number in range(args.rounds):
                    for watched in (False, True) if number % 2 == 0 else (True, False):
                        users = conversations(f"r{number}{int(watched)}", args.users, False, crypto, scripts)
                        if not watched:
                            pushes, seconds, _ = await residents(http, server.url, users, args.concurrency)
                            quiet_rates.append(pushes / seconds)
                            continue
                        async with open_consoles(base, args.consoles) as arrivals:
                            pushes, seconds, filed = await residents(http, server.url, users, args.concurrency)
                            watched_rates.append(pushes / seconds)
                        reloads += int(arrivals.pop(-1, [0.0])[0])
                        filed_at = await filing_times(database, list(filed))
                        for case_id, (sent, answered) in filed.items():
                            arrived = arrivals.get(case_id, [])
                            missing += args.consoles - len(arrived)
                            delays.extend(at - sent for at in arrived)
                            after_answer.extend(at - answered for at in arrived)
                            after_filing.extend(at - filed_at[case_id] for at in arrived)
    await redis.flushdb()
    await redis.aclose()
    print(
        f"{args.consoles} consoles, {args.users} residents x {len(scripts[0])} pushes per round, {args.rounds} rounds"
    )
    if delays:
        shown = ", ".join(f"p{int(q * 100)} {percentile(after_filing, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99))
        print(f"case filed (its created_at) -> event on a console: {shown}, max {max(after_filing) * 1000:.0f} ms")
        shown = ", ".join(f"p{int(q * 100)} {percentile(delays, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99))
        print(f"filing push sent -> event on a console: {len(delays)} events, {shown}, max {max(delays) * 1000:.0f} ms")
        # The case exists before its answer leaves the service, so this is a lower bound on the time it took to
        # appear; the line above is an upper bound that includes the filing push's own time under load.
        shown = ", ".join(f"p{int(q * 100)} {percentile(after_answer, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99))
        print(f"filing answer received -> event on a console: {shown}")
    print(f"events missing: {missing}; reload events (a page told it fell behind): {reloads}")
    quiet, watched_median = statistics.median(quiet_rates), statistics.median(watched_rates)
    print(
        f"push throughput: no console {quiet:,.0f}/s, {args.consoles} consoles {watched_median:,.0f}/s "
        f"(medians of rounds) -> {100 * (1 - watched_median / quiet):+.1f} % fall"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--watch", metavar="BASE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.consoles <= 500 or not 1 <= args.users <= 5000 or not 1 <= args.rounds <= 20:
        parser.error("--consoles must be 1..500, --users 1..5000 and --rounds 1..20")
    if args.watch is not None:
        asyncio.run(watch_consoles(args.watch, args.consoles))
    else:
        asyncio.run(measure(args))


if __name__ == "__main__":
    main()
