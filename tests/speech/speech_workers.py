"""Real ``python -m bot speech-worker`` processes for the tests, with the Korean model; killed or stopped
by their own process id."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.paths import ROOT
from tests.speech.test_stt import KOREAN_MODEL

SECRET_KEY = "speech-workers-test-key-" + "x" * 24
CLAIM_AFTER = 1.0  # seconds before a dead worker's job is taken over
STARTUP_SECONDS = 60.0


class SpeechWorkerProcess:
    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name = name
        self._process = process
        self._log = log

    @classmethod
    async def start(
        cls,
        redis_url: str,
        name: str,
        folder: Path,
        *,
        secret_key: str = SECRET_KEY,
        concurrency: int = 1,
        clock_skew: float = 0.0,
    ) -> SpeechWorkerProcess:
        """``clock_skew``: seconds the process's wall clock is off (``tests/speech/skewed_clock.py``)."""
        log = folder / f"{name}.log"
        env = {**os.environ, "BOT_REDIS_URL": redis_url, "BOT_SECRET_KEY": secret_key, "BOT_VAR_DIR": str(folder)}
        launcher = ["-m", "tests.speech.skewed_clock", str(clock_skew), "bot"] if clock_skew else ["-m", "bot"]
        with log.open("wb") as errors:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *launcher,
                "speech-worker",
                "--model",
                str(KOREAN_MODEL),
                "--claim-after",
                str(CLAIM_AFTER),
                "--concurrency",
                str(concurrency),
                "--name",
                name,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
                cwd=ROOT,
                env=env,
            )
        return cls(name, process, log)

    async def ready(self) -> None:
        """Wait until the model is loaded and jobs are taken."""
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), STARTUP_SECONDS)
        if b"taking jobs" not in line:
            await self.kill()
            raise RuntimeError(f"speech worker {self.name} did not start: {self.log()[-2000:]}")

    @property
    def running(self) -> bool:
        return self._process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind runs, as when a machine dies."""
        if self.running:
            self._process.send_signal(signal.SIGKILL)
        await self._process.wait()

    async def stop(self) -> int:
        """SIGTERM: the job in hand is finished, then the worker leaves."""
        if self.running:
            self._process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self._process.wait(), 30)

    def log(self) -> str:
        return self._log.read_text(encoding="utf-8", errors="replace")

    def jobs_done(self, kind: str = "") -> int:
        """Jobs this worker logged as stored (of ``kind``, "recognise" or "synthesise", if given)."""
        return self.log().count(f"{kind}) done in " if kind else ") done in ")
