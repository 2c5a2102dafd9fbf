"""Traceable facts and plain words: the checks behind ``content/sources.yaml`` and ``content/glossary.yaml``.

Every factual statement a resident hears (who qualifies, who does not, what to bring, where to go, how it
goes on, a law's article, a phone number) names the sources it rests on. A statement resting on a source
that nobody has verified, or that only describes what one locality does, must say so in plain words
(one of the book's ``hedges``, e.g. "具体请问您所在的乡镇或街道"), in its normal and its simple form.

The glossary lists formal words a listener stumbles on: some are avoided altogether (``avoid``), others
may be used only with a plain explanation in the same sentence (``explain``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600, strip_whitespace=True)]

# Words that make a sentence a fact wherever it is said: a phone or document number, a law's article,
# a named document. Places that always state facts (rules, where to go, documents…) are listed by the loader.
FACT_MARKERS = re.compile(r"(?<![\d{])\d{3,}(?![\d}])|第[一二三四五六七八九十百零\d]+条|《|〔|按照规定|法律规定")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """One document or page a statement rests on.

    ``verified``: ``true`` when its wording was read on an official page or a faithful repost of one;
    ``false`` when it comes from a dataset or memory nobody checked; ``local`` when it describes one
    locality's practice or plan, so details differ in Liuzhou's counties.
    """

    id: SourceId
    title: Text
    issuer: Text
    date: Text
    address: Text | None = None
    supports: Text
    verified: bool | Literal["local"]

    @model_validator(mode="after")
    def _verified_has_address(self) -> Source:
        if self.verified is True and self.address is None:
            raise ValueError("a verified source needs the address where it was read")
        return self

    @property
    def needs_hedge(self) -> bool:
        return self.verified is not True


class SourceBook(_Model):
    sources: tuple[Source, ...] = Field(min_length=1)
    hedges: tuple[Text, ...] = Field(min_length=1)

    def by_id(self) -> dict[str, Source]:
        return {source.id: source for source in self.sources}


class Avoided(_Model):
    """A formal word or pattern never said to residents, and what to say instead."""

    pattern: Text
    instead: Text

    @model_validator(mode="after")
    def _compiles(self) -> Avoided:
        try:
            re.compile(self.pattern)
        except re.error as error:
            raise ValueError(f"{self.pattern!r} is not a valid pattern: {error}") from None
        return self


class Explained(_Model):
    """A word that may be said only together with one of its plain explanations."""

    word: Text
    explanations: tuple[Text, ...] = Field(min_length=1)


class Glossary(_Model):
    avoid: tuple[Avoided, ...] = ()
    explain: tuple[Explained, ...] = ()


@dataclass(frozen=True)
class Statement:
    """Something said to residents, as the checks see it: where it is, its forms, the sources it names."""

    place: str
    texts: tuple[str, ...]  # the normal form, then the simple form when there is one
    sources: tuple[str, ...] = ()
    always_fact: bool = False  # a rule, a place to go, a list of documents…: a fact whatever its words
    a_name: bool = False  # a service's name: explained by its intro, so only avoided words are checked

    @property
    def is_fact(self) -> bool:
        return self.always_fact or any(FACT_MARKERS.search(_without_slots(text)) for text in self.texts)


def _without_slots(text: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "", text)


def check_sources(statements: Iterable[Statement], book: SourceBook) -> Iterator[tuple[str, str]]:
    """(place, problem) for every fact without a known source, and every unhedged fact on a weak source."""
    known = book.by_id()
    for statement in statements:
        unknown = [source for source in statement.sources if source not in known]
        for source in unknown:
            yield statement.place, f"names source {source!r}, which is not in sources.yaml"
        if not statement.sources:
            if statement.is_fact:
                yield statement.place, "states a fact without naming its source (sources: [...] from sources.yaml)"
            continue
        weak = [known[source].id for source in statement.sources if source in known and known[source].needs_hedge]
        if not weak:
            continue
        for text in statement.texts:
            if not any(hedge in text for hedge in book.hedges):
                yield (
                    statement.place,
                    f"rests on {', '.join(weak)} (unverified or local) but says it without a hedge "
                    f"such as {book.hedges[0]!r}: {text[:40]}",
                )


def check_glossary(statements: Iterable[Statement], glossary: Glossary) -> Iterator[tuple[str, str]]:
    """(place, problem) for every avoided word, and every glossary word said without its explanation."""
    avoided = [(re.compile(entry.pattern), entry) for entry in glossary.avoid]
    for statement in statements:
        for text in statement.texts:
            for pattern, entry in avoided:
                found = pattern.search(text)
                if found:
                    yield statement.place, f"says {found.group(0)!r}; say instead: {entry.instead}"
            for explained in () if statement.a_name else glossary.explain:
                if explained.word in text and not any(plain in text for plain in explained.explanations):
                    yield (
                        statement.place,
                        f"says {explained.word!r} without explaining it (e.g. {explained.explanations[0]!r})",
                    )
