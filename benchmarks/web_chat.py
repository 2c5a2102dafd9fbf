"""Resident messages through the web chat (``POST /chat/send``) next to the same messages through
``/wechat``, on one ``python -m bot serve`` with real Redis and PostgreSQL.

    python -m benchmarks.web_chat [--users 100] [--concurrency 25] [--rounds 4]
        [--redis redis://127.0.0.1:6379/9] [--database postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Every user sends the opening of an application (three messages, one after the other): on WeChat as signed
plaintext pushes answered passively, on the web chat as ``chat.js`` posts them (form fields with the
page's CSRF token and the resident's cookie, answered with JSON), each web user from an address of its own
through a trusted proxy's ``X-Forwarded-For`` (so the per-address limit is the one a city's proxy would
see). Pages are opened (cookie and token) and pushes signed before the clock starts. The two channels take
turns, round after round, with fresh users each round; the figures are messages per second and latency
percentiles over all rounds, and the server's own CPU time per message.

The Redis database given is emptied at the start and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import re
import secrets
import tempfile
import time
from dataclasses import dataclass

import aiohttp
from wechatpy.crypto import WeChatCrypto

from benchmarks.stats import report
from benchmarks.wechat_push import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    HOST,
    REQUEST_TIMEOUT,
    TOKEN,
    WORKLOADS,
    Phase,
    Server,
    _site,
    check,
    conversations,
    full_service,
    measured_load,
    service_environment,
)
from bot.channels.wechat.simulator import WeChatSimulator
from bot.storage.redis import create_redis

OPENINGS = WORKLOADS["openings"]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class WebResident:
    cookie: str
    csrf: str
    address: str
    texts: tuple[str, ...]


async def open_pages(http: aiohttp.ClientSession, url: str, users: int, round_number: int) -> list[WebResident]:
    """Each resident opens the page once (its cookie and form token), before the clock starts."""
    gate = asyncio.Semaphore(25)

    async def one(n: int) -> WebResident:
        address = f"10.{round_number}.{n // 250}.{n % 250 + 1}"
        async with gate, http.get(url, headers={"X-Forwarded-For": address}, timeout=REQUEST_TIMEOUT) as page:
            html = await page.text()
            cookie = page.cookies["bot_chat"].value
        found = _CSRF.search(html)
        assert found is not None, "no CSRF field on the chat page"
        return WebResident(cookie, found.group(1), address, OPENINGS[n % len(OPENINGS)])

    return list(await asyncio.gather(*(one(n) for n in range(users))))


async def web_load(
    http: aiohttp.ClientSession, server: Server, url: str, residents: list[WebResident], concurrency: int
) -> Phase:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    answers: list[tuple[int, str]] = []

    async def resident(who: WebResident) -> None:
        headers = {"Cookie": f"bot_chat={who.cookie}", "X-Forwarded-For": who.address, "Accept": "application/json"}
        for text in who.texts:
            form = {"csrf": who.csrf, "message_id": secrets.token_urlsafe(12), "text": text}
            async with gate:
                started = time.perf_counter()
                async with http.post(url, data=form, headers=headers, timeout=REQUEST_TIMEOUT) as response:
                    answer = (response.status, await response.text())
                latencies.append(time.perf_counter() - started)
                answers.append(answer)

    before = server.cpu_seconds()
    began = time.perf_counter()
    await asyncio.gather(*(resident(who) for who in residents))
    seconds = time.perf_counter() - began
    after = server.cpu_seconds()
    phase = Phase("web chat", len(latencies), seconds, latencies, answers)
    phase.cpu_seconds = None if before is None or after is None else after - before
    return phase


def check_web(phase: Phase) -> str:
    answered = sum(1 for status, body in phase.answers if status == 200 and '"who": "bot"' in body)
    refused = [status for status, _ in phase.answers if status != 200]
    return f"{answered} of {phase.count} answered in the response" + (f"; refused: {refused[:5]}" if refused else "")


async def measure(args: argparse.Namespace) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    redis = create_redis(args.redis)
    await redis.flushdb()
    connector = aiohttp.TCPConnector(limit=args.concurrency + 5)
    with tempfile.TemporaryDirectory(prefix="web-chat-bench-") as var_dir:
        async with (
            _site(simulator.app()) as api_port,
            aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http,
        ):
            env = service_environment(args.redis, args.database, f"http://{HOST}:{api_port}", var_dir)
            env |= {"BOT_TRUSTED_PROXIES": "127.0.0.1", "BOT_WECHAT_MODE": "compatible"}
            async with full_service(http, env, 1) as wechat:
                base = wechat.url.removesuffix("/wechat")
                chat_page, chat_send = f"{base}/chat/", f"{base}/chat/send"
                await measured_load(http, wechat, "warm-up", conversations("warm", 10, False, crypto, OPENINGS), 10)
                await web_load(http, wechat, chat_send, await open_pages(http, chat_page, 10, 99), 10)
                phases: dict[str, list[Phase]] = {"wechat": [], "web": []}
                for number in range(args.rounds):
                    for name in ("wechat", "web") if number % 2 == 0 else ("web", "wechat"):
                        if name == "wechat":
                            users = conversations(f"bench-{number}", args.users, False, crypto, OPENINGS)
                            phase = await measured_load(http, wechat, "WeChat push", users, args.concurrency)
                        else:
                            residents = await open_pages(http, chat_page, args.users, number)
                            phase = await web_load(http, wechat, chat_send, residents, args.concurrency)
                        phases[name].append(phase)
    print(f"{args.users} users a round, 3 messages each, {args.concurrency} at a time, {args.rounds} rounds, 1 worker")
    for name, label in (("wechat", "WeChat /wechat (plaintext, passive)"), ("web", "web chat /chat/send (JSON)")):
        total = functools.reduce(Phase.add, phases[name])
        report(label, total.count, total.seconds, total.latencies)
        verdict = check(total, crypto, passive=True, safe=False) if name == "wechat" else check_web(total)
        cpu = total.cpu_ms_per_push
        print(f"  {verdict}" + ("" if cpu is None else f"; server CPU {cpu:.3f} ms per message"))
    await redis.flushdb()
    await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if not 1 <= args.users <= 2000 or not 1 <= args.concurrency <= 200 or not 1 <= args.rounds <= 20:
        parser.error("--users must be 1..2000, --concurrency 1..200 and --rounds 1..20")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
