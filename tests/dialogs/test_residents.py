"""The simulated residents (tests/data/residents.yaml) against the pure core: every one finishes,
with the answers they gave, without going round in a loop."""

from __future__ import annotations

import pytest

from dialogs.schema import Catalog
from dialogs.spoken import MAX_SENTENCES
from tests.dialogs.residents import URGENT_PROBLEM, Resident, converse, load_residents

RESIDENTS = load_residents()
TRAITS = (
    "split", "no", "family", "said-before", "correction", "pause", "voice-readback", "danger", "first-message", "lost",
    "long-list", "closing", "fraud", "money", "which", "status",
)  # fmt: skip


def test_the_corpus_has_enough_residents_of_every_kind() -> None:
    import yaml

    from tests.dialogs.residents import CORPUS

    entries = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["residents"]
    assert len(entries) >= 300
    for trait in TRAITS:
        assert sum(trait in entry.get("traits", ()) for entry in entries) >= 5, trait


@pytest.mark.parametrize("resident", RESIDENTS, ids=[r.id for r in RESIDENTS])
def test_each_resident_finishes_with_their_answers_and_no_loop(catalog: Catalog, resident: Resident) -> None:
    outcome = converse(resident, catalog)

    # Alarms are counted by benchmarks.dialog_corpus; which words raise them is the safety detector's concern.
    assert [p for p in outcome.problems if not p.startswith(URGENT_PROBLEM)] == []
    assert outcome.reasks <= resident.expect.get("max_reasks", 2), outcome.said
    # Heard in voice or simple mode, no one message is more than can be followed at once.
    assert outcome.longest_heard <= MAX_SENTENCES
    if outcome.resident.danger:
        assert outcome.urgent, "a resident telling of violence raised no alarm"


def test_re_asks_average_at_most_one_per_resident(catalog: Catalog) -> None:
    outcomes = [converse(resident, catalog) for resident in RESIDENTS]

    assert sum(o.reasks for o in outcomes) / len(outcomes) <= 1
    assert not any(o.looped for o in outcomes)
