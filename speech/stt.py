"""Offline speech recognition with Vosk: loading a model folder, and recognising 16 kHz mono s16le PCM
either freely or against a short list of expected phrases (Vosk's grammar mode)."""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vosk

from speech.numbers import closest_phrase

log = logging.getLogger(__name__)

UNKNOWN = "[unk]"
_DEFAULT_RATE = 16_000
_CHUNK_SECONDS = 0.5
# Longest piece tried when a phrase word has to be split into words the model knows.
_LONGEST_WORD = 8
_REQUIRED_FILES = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf")

# Models whose graph is static (graph/HCLG.fst, e.g. vosk-model-cn-0.22): Vosk ignores a grammar on
# them and decodes freely, so phrases are matched after free recognition instead.
_STATIC_GRAPH: weakref.WeakSet[Any] = weakref.WeakSet()
_warned_phrases: set[str] = set()
_local = threading.local()


class ModelError(Exception):
    """The speech model folder is missing, is not a Vosk model, or failed to load; the message names it."""


@dataclass(frozen=True)
class Recognition:
    """What was heard. ``confidence`` is the mean word confidence, 0 when nothing (or nothing expected)
    was heard; ``grammar`` is True when the text came from grammar mode."""

    text: str
    confidence: float
    words: tuple[tuple[str, float], ...] = ()
    grammar: bool = False


def _has_graph(graph: Path) -> bool:
    return (graph / "HCLG.fst").is_file() or ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file())


def _looks_like_model(path: Path) -> bool:
    return all((path / name).is_file() for name in _REQUIRED_FILES) and _has_graph(path / "graph")


def check_model_folder(path: Path) -> None:
    """Raise ModelError unless ``path`` holds the files of a Vosk model; cheap, loads nothing."""
    if not path.exists():
        raise ModelError(f"speech model folder {path} does not exist")
    if not path.is_dir():
        raise ModelError(f"speech model path {path} is not a folder")
    if _looks_like_model(path):
        return
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if not _has_graph(path / "graph"):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst)")
    message = f"{path} is not a Vosk model folder: missing {', '.join(missing)}"
    # Unpacking a model zip into a folder of the same name leaves the model one level down.
    nested = [child for child in sorted(path.iterdir()) if child.is_dir() and _looks_like_model(child)]
    if nested:
        message += f" (did you mean {nested[0]}?)"
    raise ModelError(message)


def load_model(path: Path) -> vosk.Model:
    """Load the Vosk model in ``path`` (seconds, hundreds of MB); ModelError names the folder on failure."""
    path = path.expanduser()
    check_model_folder(path)
    vosk.SetLogLevel(-1)
    try:
        model = vosk.Model(str(path))
    except Exception as error:  # vosk raises a bare Exception when Kaldi cannot read the files
        raise ModelError(f"could not load the speech model in {path}: its files are damaged or incomplete") from error
    if (path / "graph" / "HCLG.fst").is_file():
        _STATIC_GRAPH.add(model)
    return model


def supports_grammar(model: vosk.Model) -> bool:
    """Whether Vosk can restrict ``model`` to a phrase list (small models can, big static ones cannot)."""
    return model not in _STATIC_GRAPH


def _words(result_json: str) -> list[tuple[str, float]]:
    result = json.loads(result_json)
    return [(str(item["word"]), float(item["conf"])) for item in result.get("result", [])]


def _free_recogniser(model: vosk.Model, sample_rate: int) -> Any:
    # Vosk builds the decoding graph lazily inside each recogniser; a fresh one per request redoes that
    # work (free recognition ran 5-10x slower here). After FinalResult a recogniser keeps no audio or
    # adaptation state, only that graph, so each thread keeps one per model and rate.
    cache: weakref.WeakKeyDictionary[Any, dict[int, Any]] | None = getattr(_local, "free", None)
    if cache is None:
        cache = _local.free = weakref.WeakKeyDictionary()
    by_rate = cache.setdefault(model, {})
    if sample_rate not in by_rate:
        by_rate[sample_rate] = vosk.KaldiRecognizer(model, float(sample_rate))
        by_rate[sample_rate].SetWords(True)
    return by_rate[sample_rate]


def _forget_free_recogniser(model: vosk.Model, sample_rate: int) -> None:
    cache: weakref.WeakKeyDictionary[Any, dict[int, Any]] | None = getattr(_local, "free", None)
    if cache is not None and model in cache:
        cache[model].pop(sample_rate, None)


def _decode(model: vosk.Model, pcm: bytes, sample_rate: int, grammar: str | None) -> tuple[tuple[str, float], ...]:
    if grammar is None:
        recogniser = _free_recogniser(model, sample_rate)
    else:
        recogniser = vosk.KaldiRecognizer(model, float(sample_rate), grammar)
        recogniser.SetWords(True)
    usable = len(pcm) - len(pcm) % 2
    chunk = int(sample_rate * _CHUNK_SECONDS) * 2
    words: list[tuple[str, float]] = []
    try:
        for start in range(0, usable, chunk):
            if recogniser.AcceptWaveform(pcm[start : min(start + chunk, usable)]):
                words.extend(_words(recogniser.Result()))
        words.extend(_words(recogniser.FinalResult()))
    except BaseException:
        # A half-fed recogniser would carry this audio into the next request.
        if grammar is None:
            _forget_free_recogniser(model, sample_rate)
        raise
    return tuple(words)


def _mean(words: Sequence[tuple[str, float]]) -> float:
    return sum(conf for _, conf in words) / len(words) if words else 0.0


def _text(words: Sequence[tuple[str, float]]) -> str:
    return " ".join(word for word, _ in words)


def _known(model: vosk.Model, word: str) -> bool:
    return int(model.vosk_model_find_word(word)) >= 0


def _split_word(model: vosk.Model, word: str) -> list[str] | None:
    """``word`` as a run of words in the model's vocabulary, longest first; None if impossible."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        for end in range(min(len(word), start + _LONGEST_WORD), start, -1):
            if _known(model, word[start:end]):
                pieces.append(word[start:end])
                start = end
                break
        else:
            return None
    return pieces


def _spell(model: vosk.Model, phrase: str) -> str | None:
    words: list[str] = []
    for word in phrase.split():
        pieces = [word] if _known(model, word) else _split_word(model, word)
        if pieces is None:
            return None
        words.extend(pieces)
    return " ".join(words) or None


def _grammar(model: vosk.Model, phrases: Sequence[str]) -> dict[str, str]:
    """Each phrase spelt in the model's words (what Vosk answers) -> the phrase as the caller wrote it.

    Vosk silently drops grammar words missing from the vocabulary, and Chinese vocabularies are
    segmented their own way ("护理补贴" may only exist as "护理 补贴"), so phrases are split to fit.
    """
    spelt: dict[str, str] = {}
    for phrase in phrases:
        words = _spell(model, phrase)
        if words is not None:
            spelt.setdefault(words, phrase)
        elif phrase not in _warned_phrases:
            _warned_phrases.add(phrase)
            log.warning("speech phrase %r has words the model does not know; it can never be recognised", phrase)
    return spelt


def _snap(heard: tuple[tuple[str, float], ...], phrases: Sequence[str]) -> Recognition:
    """A free recognition read as one of ``phrases`` (for models without grammar mode)."""
    phrase = closest_phrase(_text(heard), phrases)
    if phrase is None:
        return Recognition(UNKNOWN if heard else "", 0.0, heard)
    return Recognition(phrase, _mean(heard), heard)


def recognise(
    model: vosk.Model, pcm: bytes, *, sample_rate: int = _DEFAULT_RATE, phrases: Sequence[str] | None = None
) -> Recognition:
    """Recognise ``pcm`` (s16le mono). With ``phrases``, the text is one of them, or "[unk]" when
    something else was said, or "" when nothing was (both with confidence 0).

    Grammar-mode confidence only ranks the phrases against each other: speech that merely sounds like
    a phrase can still match it with high confidence.
    """
    if not phrases:
        heard = _decode(model, pcm, sample_rate, None)
        return Recognition(_text(heard), _mean(heard), heard)
    if not supports_grammar(model):
        return _snap(_decode(model, pcm, sample_rate, None), phrases)
    spelt = _grammar(model, phrases)
    if not spelt:
        return Recognition(UNKNOWN, 0.0, grammar=True)
    # The Korean test model, for one, has no "[unk]" word; Vosk would warn on every request.
    options = [*spelt, UNKNOWN] if _known(model, UNKNOWN) else list(spelt)
    heard = _decode(model, pcm, sample_rate, json.dumps(options, ensure_ascii=False))
    # Vosk's grammar allows any sequence of the phrases; only exactly one phrase is an answer.
    phrase = spelt.get(_text(heard))
    if phrase is None:
        return Recognition(UNKNOWN if heard else "", 0.0, heard, grammar=True)
    return Recognition(phrase, _mean(heard), heard, grammar=True)


def recognise_with_fallback(
    model: vosk.Model,
    pcm: bytes,
    *,
    phrases: Sequence[str],
    min_confidence: float = 0.6,
    sample_rate: int = _DEFAULT_RATE,
) -> Recognition:
    """One of ``phrases`` when grammar mode hears one with at least ``min_confidence``; otherwise free
    recognition, so an answer outside the list is still heard."""
    if phrases and not supports_grammar(model):
        heard = _decode(model, pcm, sample_rate, None)
        snapped = _snap(heard, phrases)
        if snapped.text in phrases and snapped.confidence >= min_confidence:
            return snapped
        return Recognition(_text(heard), _mean(heard), heard)
    expected = recognise(model, pcm, sample_rate=sample_rate, phrases=phrases)
    if expected.text in phrases and expected.confidence >= min_confidence:
        return expected
    return recognise(model, pcm, sample_rate=sample_rate)
