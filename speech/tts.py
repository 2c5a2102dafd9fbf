"""Speech synthesis: text prepared by ``speech.listening.for_listening`` to mono WAV bytes, through espeak-ng.

Thread safety: libespeak-ng keeps one global state per process (pyttsx3's espeak driver initialises it once
and installs one synthesis callback for every engine), so per-thread pyttsx3 engines would still share it.
All pyttsx3 use therefore goes through one engine for the process, serialised by one lock: calls from several
threads (``asyncio.to_thread``) are safe and take turns, each a fraction of a second. The espeak-ng command
line, used when pyttsx3 cannot start, runs one process per call and needs no lock.

Time limit: pyttsx3's ``runAndWait`` has none, and libespeak-ng can fail to signal the end of an utterance.
Each pyttsx3 synthesis therefore runs on its own daemon thread, which holds the lock; the caller waits at most
``_TIMEOUT_SECONDS``, then abandons it, retires pyttsx3 for the process and speaks through the command line.
Callers waiting for the lock give up as soon as pyttsx3 is retired, and the stuck thread never holds up exit.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Final, Generic, Literal, Protocol, TypeVar

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

EngineName = Literal["pyttsx3", "espeak-ng"]

# Words per minute for espeak-ng; the resident's remembered rate, moved one step by "慢一点" / "快一点".
# With the Mandarin voice that is about 2.4, 3.2, 4.1, 5.1 and 6.3 characters of prepared text a second.
RATES: Final[dict[int, int]] = {-2: 120, -1: 150, 0: 185, 1: 220, 2: 260}
# The slowest seen at each rate over the prompts, a summary with ID and phone numbers and an option list
# (2.37, 3.08, 3.97, 4.94, 6.17), less a margin: what a clip may hold is planned with these.
_CHARS_PER_SECOND: Final[dict[int, float]] = {-2: 2.2, -1: 2.8, 0: 3.6, 1: 4.5, 2: 5.6}
# espeak-ng's "cmn" voice reads Latin as English, and in espeak-ng 1.51 (Debian 12) that makes it read
# many characters as English-spelled pinyin ("好" as "hao two"); this voice reads them as Mandarin.
MANDARIN: Final = "cmn-latn-pinyin"
MAX_CHARS: Final = 2000
CLIP_SECONDS: Final = 55.0  # WeChat voice messages stop at 60 s
_TIMEOUT_SECONDS: Final = 30.0
_POLL_SECONDS: Final = 0.005
_LOCK_TICK_SECONDS: Final = 0.05
_GRACE_SECONDS: Final = 0.5
_LANGUAGE_IN_LIST = re.compile(r"\((\S+) \d+\)")

_warned: set[str] = set()
_warned_lock = threading.Lock()


class TtsError(Exception):
    """No speech could be made. The message says why, never what was to be said."""


def max_chars_per_clip(rate: int = 0, *, seconds: float = CLIP_SECONDS) -> int:
    """How many characters of prepared text fit in one clip of ``seconds`` at ``rate``: the ``max_chars``
    to give ``chunk_for_speech``, lower at slow rates so that every clip stays under WeChat's limit."""
    return max(1, int(_CHARS_PER_SECOND[_clamped(rate)] * seconds))


class _Backend(Protocol):
    name: EngineName
    voices: list[tuple[str, list[str]]]  # (voice id, languages)
    broken: bool  # failed in a way that may last: use another engine while there is one

    def synthesize(self, text: str, voice: str, wpm: int) -> bytes: ...


class Synthesizer:
    """Mandarin speech as WAV bytes. Safe to call from several threads at once."""

    def __init__(self, *, voice: str = MANDARIN, engine: EngineName = "pyttsx3") -> None:
        """``voice`` is an espeak-ng voice ("cmn-latn-pinyin", "sit/cmn") or language; ``engine`` is the
        preferred engine. Raises TtsError when no engine works or the voice does not exist."""
        backends: list[_Backend] = []
        if engine == "pyttsx3":
            try:
                backends.append(_Pyttsx3.shared())
            except Exception as exc:  # the library missing, or libespeak-ng failing to initialise
                _warn_once("pyttsx3-init", "pyttsx3 could not start (%s); using the espeak-ng command line", exc)
        try:
            backends.append(_CommandLine())
        except TtsError:
            if not backends:
                raise
        self._choices = [(backend, found) for backend in backends if (found := _voice_id(voice, backend.voices))]
        if not self._choices:
            raise TtsError(f"espeak-ng has no voice {voice!r}")
        if self.voice_id.lower().endswith("/cmn"):
            _warn_once("cmn", "voice %s reads many Chinese characters as English-spelled pinyin", self.voice_id)

    @property
    def engine(self) -> EngineName:
        """The engine that will speak next."""
        return self._usable()[0][0].name

    @property
    def voice_id(self) -> str:
        """The voice as the engine that will speak next names it, e.g. "sit/cmn-latn-pinyin"."""
        return self._usable()[0][1]

    def synthesize(self, text: str, *, rate: int = 0) -> bytes:
        """``text`` spoken at ``rate`` (a key of RATES; others are clamped to the nearest) as mono WAV bytes.
        Raises TtsError for empty text, text over MAX_CHARS, or when no engine could speak it."""
        if not text.strip():
            raise TtsError("there is nothing to say")
        if len(text) > MAX_CHARS:
            raise TtsError(f"text of {len(text)} characters is over the limit of {MAX_CHARS}")
        if not text.isascii() and any("\ud800" <= char <= "\udfff" for char in text):
            # Not encodable for espeak-ng; found here rather than as a failure that retires pyttsx3.
            raise TtsError("the text has lone surrogates (use for_listening)")
        wpm = RATES[_clamped(rate)]
        failure = TtsError("no speech engine is available")
        for backend, voice in self._usable():
            started = time.perf_counter()
            try:
                wav = _checked_wav(backend.synthesize(text, voice, wpm))
            except Exception as exc:  # an engine's own errors become TtsError; the next engine may work
                _warn_once(f"{backend.name}-failed", "%s failed to synthesise: %s", backend.name, exc)
                failure = exc if isinstance(exc, TtsError) else TtsError(f"{backend.name} failed: {exc}")
                continue
            elapsed = time.perf_counter() - started
            logger.debug("%s synthesised %d characters in %.2f s", backend.name, len(text), elapsed)
            return wav
        raise failure

    def _usable(self) -> list[tuple[_Backend, str]]:
        usable = [(backend, voice) for backend, voice in self._choices if not backend.broken]
        return usable or self._choices


class _Pyttsx3:
    """The process's one pyttsx3 engine; see the module docstring for why there is only one."""

    name: EngineName = "pyttsx3"
    _lock: ClassVar[threading.Lock] = threading.Lock()  # held while libespeak-ng is in use
    _creating: ClassVar[threading.Lock] = threading.Lock()
    _shared: ClassVar[_Pyttsx3 | None] = None
    _start_stuck: ClassVar[bool] = False

    @classmethod
    def shared(cls) -> _Pyttsx3:
        with cls._creating:
            if cls._shared is None:
                if cls._start_stuck:
                    raise TtsError("pyttsx3 did not start earlier and is still stuck")
                call: _Call[_Pyttsx3] = _Call(time.monotonic() + _TIMEOUT_SECONDS)
                _bounded(call, cls, "pyttsx3-start")
                if call.outcome is None:
                    cls._start_stuck = True
                    raise TtsError(f"pyttsx3 did not start within {_TIMEOUT_SECONDS:.0f} s")
                cls._shared = call.result()
            return cls._shared

    def __init__(self) -> None:
        import pyttsx3
        from pyttsx3.drivers import _espeak

        self._espeak: Any = _espeak
        self._engine: Any = pyttsx3.init("espeak")
        driver = sys.modules.get("pyttsx3.drivers.espeak")
        if driver is not None:  # it prints the path of every file it saves
            vars(driver)["print"] = _silent
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda **_: self._finished.set())
        # A new engine queues property changes until its first run; one empty run makes them apply at once.
        self._engine.runAndWait()
        self._wait_idle(time.monotonic() + _TIMEOUT_SECONDS)
        self.voices = [(str(v.id), [str(language) for language in v.languages or []]) for v in self._voices()]
        self._voice: str | None = None
        self.broken = False

    def synthesize(self, text: str, voice: str, wpm: int) -> bytes:
        call: _Call[bytes] = _Call(time.monotonic() + _TIMEOUT_SECONDS)
        while not self._lock.acquire(timeout=_LOCK_TICK_SECONDS):
            if self.broken or time.monotonic() > call.deadline:
                # Whoever holds the lock is stuck; the caller goes on to the command line.
                raise TtsError("pyttsx3 is still busy with earlier speech")
        _bounded(call, lambda: self._synthesize(text, voice, wpm, call.deadline), "pyttsx3-synthesis", self._lock)
        if call.outcome is None:
            # The thread keeps the lock until libespeak-ng lets it go, if ever; nobody waits for it.
            self.broken = True
            raise TtsError(f"pyttsx3 did not finish within {_TIMEOUT_SECONDS:.0f} s")
        try:
            return call.result()
        except Exception:
            # After a timeout or a driver error the shared libespeak-ng state is not to be trusted.
            self.broken = True
            raise

    def _synthesize(self, text: str, voice: str, wpm: int, deadline: float) -> bytes:
        handle, name = tempfile.mkstemp(prefix="tts-", suffix=".wav")
        os.close(handle)
        try:
            self._prepare(voice, wpm, deadline)
            self._finished.clear()
            self._engine.save_to_file(text, name)
            # runAndWait returns as soon as libespeak-ng has queued the text; the file is written later,
            # from libespeak-ng's own thread, when the utterance finishes.
            self._engine.runAndWait()
            if not self._finished.wait(max(0.0, deadline - time.monotonic())):
                self._espeak.Cancel()
                raise TtsError(f"pyttsx3 did not finish within {_TIMEOUT_SECONDS:.0f} s")
            self._wait_idle(deadline)
            return Path(name).read_bytes()
        finally:
            Path(name).unlink(missing_ok=True)

    def _prepare(self, voice: str, wpm: int, deadline: float) -> None:
        # libespeak-ng applies the rate from its queue, and the driver's run cancels whatever is still
        # queued when it starts: both must be idle before the run, or the rate is silently lost.
        self._wait_idle(deadline)
        if voice != self._voice:
            self._engine.setProperty("voice", voice)
            if str(self._engine.getProperty("voice")).lower() != voice.lower():
                raise TtsError(f"espeak-ng did not accept voice {voice}")
            self._voice = voice
        self._engine.setProperty("rate", wpm)
        self._wait_idle(deadline)

    def _wait_idle(self, deadline: float) -> None:
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                self._espeak.Cancel()
                raise TtsError("libespeak-ng stayed busy")
            time.sleep(_POLL_SECONDS)

    def _voices(self) -> list[Any]:
        return list(self._engine.getProperty("voices"))


class _Call(Generic[_T]):
    """One piece of pyttsx3 work on its own thread: its deadline, and its result or error once it ends."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.outcome: tuple[_T] | BaseException | None = None
        self.ended = threading.Event()

    def result(self) -> _T:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None, "result() before the call ended"
        return self.outcome[0]


def _bounded(call: _Call[_T], work: Callable[[], _T], name: str, lock: threading.Lock | None = None) -> None:
    """Runs ``work`` on a daemon thread and waits for it until ``call.deadline`` (and a moment, so that the
    work's own timeout, with its clearer message, comes first). ``call.outcome`` stays None if it is still
    running then. ``lock``, already held, is released by the thread when the work ends, however late."""

    def run() -> None:
        try:
            outcome: tuple[_T] | BaseException = (work(),)
        except BaseException as exc:  # handed to the caller, who raises it in its own thread
            outcome = exc
        finally:
            if lock is not None:
                lock.release()
        call.outcome = outcome
        call.ended.set()

    try:
        threading.Thread(target=run, name=name, daemon=True).start()
    except BaseException:
        if lock is not None:
            lock.release()  # the thread did not start, so it cannot release it
        raise
    call.ended.wait(max(0.0, call.deadline - time.monotonic()) + _GRACE_SECONDS)


class _CommandLine:
    """The espeak-ng program, one process per synthesis."""

    name: EngineName = "espeak-ng"
    broken = False  # each call is a new process

    def __init__(self) -> None:
        program = shutil.which("espeak-ng")
        if program is None:
            raise TtsError("the espeak-ng program is not installed")
        self._program = program
        self.voices = _listed_voices(self._run([program, "--voices"], b"").decode("utf-8", "replace"))

    def synthesize(self, text: str, voice: str, wpm: int) -> bytes:
        handle, name = tempfile.mkstemp(prefix="tts-", suffix=".wav")
        os.close(handle)
        try:
            # The text goes through stdin: as an argument it would show in the process list.
            self._run([self._program, "-v", voice, "-s", str(wpm), "-b", "1", "-w", name, "--stdin"], text.encode())
            return Path(name).read_bytes()
        finally:
            Path(name).unlink(missing_ok=True)

    @staticmethod
    def _run(command: list[str], stdin: bytes) -> bytes:
        try:
            # The program is the one found on PATH at start; only the text varies, and it goes through stdin.
            done = subprocess.run(command, input=stdin, capture_output=True, timeout=_TIMEOUT_SECONDS, check=False)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TtsError(f"espeak-ng could not run: {type(exc).__name__}") from None
        if done.returncode != 0:
            raise TtsError(f"espeak-ng exited with status {done.returncode}")
        return done.stdout


def _listed_voices(listing: str) -> list[tuple[str, list[str]]]:
    """Voices from ``espeak-ng --voices``: columns Pty, Language, Age/Gender, VoiceName, File, Other Languages."""
    voices = []
    for line in listing.splitlines()[1:]:
        fields = line.split(maxsplit=5)
        if len(fields) >= 5:
            others = _LANGUAGE_IN_LIST.findall(fields[5]) if len(fields) == 6 else []
            voices.append((fields[4], [fields[1], *others]))
    return voices


def _voice_id(requested: str, voices: list[tuple[str, list[str]]]) -> str | None:
    """The id of the voice ``requested`` by id ("sit/cmn"), file name ("cmn-latn-pinyin") or language."""
    wanted = requested.strip().lower()
    for voice_id, _ in voices:
        if wanted in (voice_id.lower(), voice_id.lower().rsplit("/", 1)[-1]):
            return voice_id
    for voice_id, languages in voices:
        if wanted in (language.lower() for language in languages):
            return voice_id
    return None


def _checked_wav(data: bytes) -> bytes:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
    except (wave.Error, EOFError) as exc:
        raise TtsError(f"the engine wrote no valid WAV: {exc}") from None
    if channels != 1 or width != 2 or not 8000 <= rate <= 48000 or frames == 0:
        raise TtsError(f"the engine wrote unexpected audio: {channels} ch, {width * 8} bit, {rate} Hz, {frames} frames")
    return data


def _clamped(rate: int) -> int:
    return min(max(rate, min(RATES)), max(RATES))


def _warn_once(key: str, message: str, *args: object) -> None:
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning(message, *args)


def _silent(*_args: object, **_kwargs: object) -> None:
    """Stands in for print() in pyttsx3's espeak driver."""
