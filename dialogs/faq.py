"""Common questions answered from content, matched like services: by the longest phrase said."""

from __future__ import annotations

from dialogs.prepared import prepared
from dialogs.schema import Catalog, Faq
from dialogs.validators import normalize

MIN_PHRASE = 4  # shorter phrases ("补贴") are requests, not questions


def match_faq(text: str, catalog: Catalog) -> tuple[Faq, int] | None:
    """The question asked and the length of the phrase that matched, or None."""
    said = normalize(text)
    best: tuple[Faq, int] | None = None
    for faq, wanted in _phrases(catalog):
        if wanted in said and (best is None or len(wanted) > best[1]):
            best = (faq, len(wanted))
    return best


def _phrases(catalog: Catalog) -> tuple[tuple[Faq, str], ...]:
    return prepared(catalog, _prepare)


def _prepare(catalog: Catalog) -> tuple[tuple[Faq, str], ...]:
    return tuple(
        (faq, wanted)
        for faq in catalog.faqs
        for wanted in (normalize(phrase) for phrase in faq.phrases)
        if len(wanted) >= MIN_PHRASE
    )
