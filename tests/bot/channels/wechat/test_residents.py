"""A sample of the simulated residents (tests/data/residents.yaml) through ``/wechat``: what each says,
as the pure core heard it, sent as WeChat pushes to the running service; the one request each files
reaches the staff with the answers they gave."""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.loader import load_catalog
from tests.bot.channels.wechat.conftest import ServiceStarter
from tests.dialogs.residents import Resident, converse, load_residents
from tests.paths import CONTENT_DIR

SAMPLE_TRAITS = ("split", "no", "family", "said-before", "correction", "pause")


def _sample() -> list[Resident]:
    import yaml

    from tests.dialogs.residents import CORPUS

    traits = {e["id"]: e.get("traits", ()) for e in yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["residents"]}
    residents = [r for r in load_residents() if r.expect.get("filed") and not r.subscribe]
    chosen: dict[str, Resident] = {}
    for trait in SAMPLE_TRAITS:
        chosen[trait] = next(r for r in residents if trait in traits[r.id] and r not in chosen.values())
    return list(chosen.values())


SAMPLE = _sample()


@pytest.mark.parametrize("resident", SAMPLE, ids=[r.id for r in SAMPLE])
async def test_a_sampled_resident_files_their_request_through_wechat(
    start_service: ServiceStarter, resident: Resident
) -> None:
    wechat = await start_service()
    outcome = converse(resident, load_catalog(CONTENT_DIR))
    assert outcome.completed, outcome.problems

    answers = await wechat.converse(wechat.pushes(), f"o6_{resident.id}", outcome.said)

    assert all(answers)
    staff = await wechat.staff(teams=("subsidy", "legal"))
    response = await staff.get("/staff/api/cases")
    assert response.status == 200
    cases: list[dict[str, Any]] = (await response.json())["cases"]
    (case,) = cases
    assert case["service"] == resident.expect["filed"]
    detail_response = await staff.get(f"/staff/api/cases/{case['id']}")
    detail: dict[str, Any] = await detail_response.json()
    assert detail["beneficiary_name"] == resident.expect["answers"]["name"]
    assert f"编号是{case['id']}" in "\n".join(answers)
