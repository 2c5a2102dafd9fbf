"""Which service a free sentence asks for.

Phrases come from content. A phrase found in the sentence scores by its length; a phrase written
"A+B" is found when all its words are there, in any order; a phrase that only sounds the same (a
speech-recognition slip such as 户理 for 护理) is found by comparing pinyin, and scores a little lower.
A phrase written "~A" is weak: it counts only as much as the shortest confident phrase, so it starts its
service when nothing else is asked for ("有没有人管" → a person, but "有没有人帮我办残疾证" → the card).
A tie between services is no answer: the caller asks instead of guessing. The words around the phrases
(a denial, a child, a barrier at home) then move the scores: see ``dialogs.route_rules``.

The phrases are prepared once per catalog (normalised, their pinyin worked out), so routing a
sentence costs one pass over the sentence and set look-ups, however much content there is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from dialogs.prepared import prepared
from dialogs.route_rules import DENIAL_REACH, adjust, clauses, is_denied
from dialogs.schema import Catalog
from dialogs.validators import normalize

CONFIDENT = 0.5
_SOUND_ALIKE_FACTOR = 0.8
_WEAK = "~"
_WEAK_SCORE = 0.52  # above CONFIDENT, below any two-character phrase (0.55)
MAX_SENTENCE = 200


@dataclass(frozen=True)
class RouteResult:
    service: str | None
    score: float
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "score": round(self.score, 3),
            "alternatives": [{"service": s, "score": round(v, 3)} for s, v in self.alternatives],
        }


@lru_cache(maxsize=4096)
def _sound(text: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(text))


def _phrase_score(phrase: str) -> float:
    return min(1.0, 0.25 + 0.15 * len(phrase))


@dataclass(frozen=True)
class _Index:
    """Every phrase of every service, ready to look up."""

    exact: dict[str, tuple[tuple[str, float], ...]]  # phrase -> (service, score)
    exact_lengths: tuple[int, ...]
    sounds: dict[tuple[str, ...], tuple[tuple[str, float], ...]]  # pinyin of a phrase -> (service, score)
    sound_lengths: tuple[int, ...]
    together: tuple[tuple[str, tuple[str, ...], float], ...]  # (service, words, score) for "A+B" phrases


def _index(catalog: Catalog) -> _Index:
    return prepared(catalog, _build)


def _build(catalog: Catalog) -> _Index:
    exact: dict[str, dict[str, float]] = {}
    sounds: dict[tuple[str, ...], dict[str, float]] = {}
    together: list[tuple[str, tuple[str, ...], float]] = []
    for service in catalog.services.values():
        for raw in service.phrases:
            weak = raw.startswith(_WEAK)
            raw = raw.removeprefix(_WEAK)
            if "+" in raw:
                parts = tuple(normalize(part) for part in raw.split("+"))
                if all(parts):
                    together.append((service.id, parts, _WEAK_SCORE if weak else _phrase_score("".join(parts))))
                continue
            phrase = normalize(raw)
            if not phrase:
                continue
            score = _WEAK_SCORE if weak else _phrase_score(phrase)
            best = exact.setdefault(phrase, {})
            best[service.id] = max(best.get(service.id, 0.0), score)
            if len(phrase) >= 2:
                alike = sounds.setdefault(_sound(phrase), {})
                alike[service.id] = max(alike.get(service.id, 0.0), score * _SOUND_ALIKE_FACTOR)
    return _Index(
        exact={p: tuple(s.items()) for p, s in exact.items()},
        exact_lengths=tuple(sorted({len(p) for p in exact})),
        sounds={p: tuple(s.items()) for p, s in sounds.items()},
        sound_lengths=tuple(sorted({len(p) for p in sounds})),
        together=tuple(together),
    )


def _sound_offsets(said: str, sound: tuple[str, ...]) -> tuple[int, ...]:
    """Where each pinyin item starts in the sentence: one per Chinese character, one per other run."""
    offsets: list[int] = []
    at = 0
    for item in sound:
        offsets.append(at)
        at += len(item) if said.startswith(item, at) else 1
    return tuple(offsets)


# "找个工作", "配一个助听器": a measure word between the verb and the thing asked for. Phrases are written
# without it ("找工作"); a sentence that routes nowhere is read again without it.
_MEASURED = re.compile(r"([找配弄做学请办补装开干买换要])一?[个份]")


def route(text: str, catalog: Catalog) -> RouteResult:
    found = _route(text, catalog)
    if found.service is None:
        plain = _MEASURED.sub(r"\1", text)
        if plain != text:
            again = _route(plain, catalog)
            if again.service is not None:
                return again
    return found


def _route(text: str, catalog: Catalog) -> RouteResult:
    parts = [normalize(part) for part in clauses(text[: MAX_SENTENCE * 4])]
    said = "".join(parts)[:MAX_SENTENCE]
    if not said:
        return RouteResult(None, 0.0)
    index = _index(catalog)
    scores: dict[str, float] = {}
    clause_starts: list[int] = []
    at = 0
    for part in parts:
        clause_starts.append(at)
        at += len(part)

    def denied(start: int) -> bool:
        clause_start = max(s for s in clause_starts if s <= start)
        # With the phrase's first character: "我不要轮椅" denies the phrase "要轮椅". A denial is at most
        # a few characters before the phrase, so only those are read.
        return is_denied(said[max(clause_start, start - DENIAL_REACH) : start + 1])

    def consider(matches: tuple[tuple[str, float], ...], start: int) -> None:
        if denied(start):
            return
        for service_id, score in matches:
            if score > scores.get(service_id, 0.0):
                scores[service_id] = score

    # Every substring of the sentence with a length some phrase has: a set look-up each.
    for length in index.exact_lengths:
        for start in range(len(said) - length + 1):
            matches = index.exact.get(said[start : start + length])
            if matches:
                consider(matches, start)
    said_sound = _sound(said)
    offsets = _sound_offsets(said, said_sound)
    for length in index.sound_lengths:
        for start in range(len(said_sound) - length + 1):
            matches = index.sounds.get(said_sound[start : start + length])
            if matches:
                # A sound-alike never beats the same phrase found as written.
                consider(tuple((s, v) for s, v in matches if v > scores.get(s, 0.0)), offsets[start])
    for service_id, words, score in index.together:
        # "不要护理补贴": the first word carries the denial.
        if (
            score > scores.get(service_id, 0.0)
            and all(word in said for word in words)
            and not denied(said.index(words[0]))
        ):
            scores[service_id] = score
    adjust(said, scores, frozenset(catalog.services))
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return RouteResult(None, 0.0)
    top_service, top_score = ranked[0]
    top_score = min(top_score, 1.0)
    ranked[0] = (top_service, top_score)
    others = tuple(ranked[1:4])
    tied = bool(others) and others[0][1] >= top_score - 1e-9
    if top_score < CONFIDENT or tied:
        return RouteResult(None, top_score, tuple(ranked[:4]))
    return RouteResult(top_service, top_score, others)
