"""Complete applications through the whole per-message path (dedup, lock, load state, step, save state,
and the case insert at the end) against the real Redis and a real database, in one process.

    python -m benchmarks.message_path [--residents 200] [--concurrency 50]
        [--redis redis://127.0.0.1:6379/12] [--database postgresql+asyncpg://postgres@127.0.0.1:5432/test]

The database gets its own schema via migrations; cases written here are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta

from sqlalchemy import text

from benchmarks.stats import report
from bot.cases.store import CaseStore
from bot.heap import freeze_startup_objects
from bot.pipeline import Pipeline
from bot.profiles import ProfileStore
from bot.security.crypto import Cipher
from bot.storage.conversations import ConversationStore
from bot.storage.db import create_engine, create_sessionmaker, upgrade_database
from bot.storage.dedup import MessageDedup
from bot.storage.keys import UserKey
from bot.storage.locks import UserLocks
from bot.storage.profile_mirror import ProfileMirror
from bot.storage.redis import create_redis
from dialogs.loader import load_catalog
from tests.bot.scripts import CONFIRM, LIVING_ALLOWANCE_FOR_MYSELF, NURSING_ALLOWANCE_FOR_MY_MOTHER
from tests.paths import CONTENT_DIR


async def run(args: argparse.Namespace) -> None:
    await upgrade_database(args.database)
    engine = create_engine(args.database)
    redis = create_redis(args.redis)
    await redis.flushdb()
    sessionmaker = create_sessionmaker(engine)
    pipeline = Pipeline(
        catalog=load_catalog(CONTENT_DIR),
        conversations=ConversationStore(timedelta(days=30)),
        locks=UserLocks(redis),
        dedup=MessageDedup(),
        cases=CaseStore(sessionmaker, Cipher("benchmark-key-" * 4)),
        profiles=ProfileStore(sessionmaker),
        profile_mirror=ProfileMirror(redis),
    )
    freeze_startup_objects()  # as `python -m bot serve` does before it serves
    scripts = [(*LIVING_ALLOWANCE_FOR_MYSELF, CONFIRM), (*NURSING_ALLOWANCE_FOR_MY_MOTHER, CONFIRM)]
    gate = asyncio.Semaphore(args.concurrency)
    run_id = time.time_ns()
    keys = [UserKey("bench", f"{run_id}-{n}") for n in range(args.residents)]

    async def phase(name: str, turns: slice) -> None:
        """Every resident sends the given turns of their script, residents running concurrently."""
        latencies: list[float] = []

        async def resident(number: int) -> None:
            script = scripts[number % 2]
            for turn in range(len(script))[turns]:
                async with gate:
                    t0 = time.perf_counter()
                    outcome = await pipeline.handle(keys[number], script[turn], f"{number}-{turn}")
                    latencies.append(time.perf_counter() - t0)
                    assert not outcome.failed, outcome.replies

        began, cpu_began = time.perf_counter(), time.process_time()
        await asyncio.gather(*(resident(n) for n in range(args.residents)))
        report(name, len(latencies), time.perf_counter() - began, latencies)
        # This process's CPU per message: whether a phase is bound by our own work or by waiting on the servers.
        print(f"  CPU {(time.process_time() - cpu_began) / len(latencies) * 1000:.3f} ms per message")

    # First contact also reads the resident's profile from SQL; answers touch only Redis;
    # the confirmation also writes the encrypted case in one SQL transaction.
    await phase("first messages (lock, load, profile read, step, save)", slice(0, 1))
    await phase("answers (lock, load state, step, save state)", slice(1, -1))
    await phase("submissions (+ case and event insert)", slice(-1, None))
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text("DELETE FROM case_events WHERE case_id IN (SELECT id FROM cases WHERE channel = 'bench')")
        )
        await session.execute(text("DELETE FROM cases WHERE channel = 'bench'"))
    await redis.flushdb()
    await redis.aclose()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
