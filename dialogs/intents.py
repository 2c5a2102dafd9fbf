"""Which service a free sentence asks for.

Phrases come from content. A phrase found in the sentence scores by its length; a phrase written
"A+B" is found when all its words are there, in any order; a phrase that only sounds the same (a
speech-recognition slip such as 户理 for 护理) is found by comparing pinyin, and scores a little lower. A tie between services is no answer: the caller asks instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from pypinyin import lazy_pinyin

from dialogs.schema import Catalog
from dialogs.validators import normalize

CONFIDENT = 0.5
_SOUND_ALIKE_FACTOR = 0.8


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


def _contains_sound(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))


def _phrase_score(phrase: str) -> float:
    return min(1.0, 0.25 + 0.15 * len(phrase))


def route(text: str, catalog: Catalog) -> RouteResult:
    said = normalize(text)[:200]
    if not said:
        return RouteResult(None, 0.0)
    said_sound = _sound(said)
    scores: dict[str, float] = {}
    for service in catalog.services.values():
        best = 0.0
        for raw in service.phrases:
            if "+" in raw:
                # "孩子+康复": words that together mean the service, wherever they stand in the sentence.
                parts = [normalize(part) for part in raw.split("+")]
                if all(parts) and all(part in said for part in parts):
                    best = max(best, _phrase_score("".join(parts)))
                continue
            phrase = normalize(raw)
            if not phrase:
                continue
            if phrase in said:
                best = max(best, _phrase_score(phrase))
            elif len(phrase) >= 2 and _contains_sound(said_sound, _sound(phrase)):
                best = max(best, _phrase_score(phrase) * _SOUND_ALIKE_FACTOR)
        if best > 0:
            scores[service.id] = best
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return RouteResult(None, 0.0)
    top_service, top_score = ranked[0]
    others = tuple(ranked[1:4])
    tied = bool(others) and others[0][1] >= top_score - 1e-9
    if top_score < CONFIDENT or tied:
        return RouteResult(None, top_score, tuple(ranked[:4]))
    return RouteResult(top_service, top_score, others)
