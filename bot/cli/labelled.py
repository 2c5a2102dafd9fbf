"""Labelled sentence files for ``route --eval`` and ``safety --eval``: ``sentence<TAB>label`` per line.

Blank lines and lines starting with ``#`` are skipped; ``none`` is the label of a sentence that must
start nothing (routing) or raise no alarm (safety).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_EVAL_LINES = 100_000


@dataclass(frozen=True)
class Labelled:
    sentence: str
    expected: str | None  # None: the label was ``none``
    where: str  # file name and line, for reports


def read_labelled(files: Sequence[Path], known: Collection[str], *, hint: str, unknown: str) -> list[Labelled] | str:
    """Every labelled sentence of ``files``, or the first problem as one line naming file and line.
    ``hint`` says what a line looks like ("sentence<TAB>{hint}"); ``unknown`` names a label not in ``known``."""
    labelled: list[Labelled] = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()[:MAX_EVAL_LINES]
        except (OSError, UnicodeDecodeError) as error:
            return f"{path}: cannot read ({type(error).__name__})"
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            sentence, tab, expected = line.partition("\t")
            expected = expected.strip()
            if not tab or not sentence.strip() or not expected:
                return f"{path}:{number}: expected 'sentence<TAB>{hint}'"
            if expected != "none" and expected not in known:
                return f"{path}:{number}: {unknown} {expected!r}"
            labelled.append(
                Labelled(sentence.strip(), None if expected == "none" else expected, f"{path.name}:{number}")
            )
    return labelled or "No labelled sentences found."
