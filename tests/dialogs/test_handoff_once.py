"""One conversation files at most one request for a person about the same application.

Asked for again while staff have it, the resident is told its number and that staff have it, and what
they said goes to that request (``AddToCase``); the pipeline forgets the request once staff close it
(tests/bot/test_pipeline.py). The core keeps the number as the pipeline filled it in.
"""

from __future__ import annotations

from dialogs.events import CASE_ID_PLACEHOLDER, AddToCase, CreateCase, StepResult
from dialogs.evolve import evolve
from dialogs.pending import Handoff
from dialogs.schema import Catalog
from tests.dialogs.conversation import HANDOFF, LIVING, MENU_PATH, NURSING, last, prompt, talk, texts, then

LOST = ("不知道",) * 12


def _filed(results: list[StepResult]) -> list[StepResult]:
    """The conversation as the pipeline keeps it: each request's number filled in once it is saved."""
    kept: list[StepResult] = []
    for result in results:
        number = str(40 + len(kept))
        state = result.state
        if state.handoff_case == CASE_ID_PLACEHOLDER:
            state = evolve(state, handoff_case=number)
        kept.append(StepResult(state, result.replies, result.effects))
    return kept


def _handoffs(results: list[StepResult]) -> list[CreateCase]:
    return [e for r in results for e in r.effects if isinstance(e, CreateCase) and e.service == HANDOFF]


def _added(results: list[StepResult]) -> list[AddToCase]:
    return [e for r in results for e in r.effects if isinstance(e, AddToCase)]


def _steps(catalog: Catalog, results: list[StepResult], *messages: str) -> list[StepResult]:
    for message in messages:
        results = _filed(then(catalog, results, message))
    return results


def test_saying_i_dont_know_again_and_again_files_one_request_for_a_person(catalog: Catalog) -> None:
    results = _steps(catalog, _filed(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请")), *LOST)

    assert len(_handoffs(results)) == 1
    assert _added(results)  # the later offers that were accepted went to the same request
    assert {a.case_id for a in _added(results)} == {last(results).state.handoff_case}


def test_asking_for_a_person_again_tells_the_number_and_goes_on_with_the_application(catalog: Catalog) -> None:
    results = _steps(catalog, _filed(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请")), "转人工")
    (filed,) = _handoffs(results)
    number = last(results).state.handoff_case

    again = last(_steps(catalog, results, "还是转人工吧"))

    assert texts(again)[0] == prompt(catalog, "handoff_open", case_id=number)
    assert again.effects == (AddToCase(case_id=number, text="还是转人工吧"),)
    assert again.state.application is not None
    assert again.state.application.service == LIVING
    assert filed.answers["unfinished_service"] == LIVING


def test_with_no_application_a_second_request_for_a_person_goes_to_the_first(catalog: Catalog) -> None:
    results = _steps(catalog, _filed(talk(catalog, "你好", "转人工")), "孩子上学的事")
    assert len(_handoffs(results)) == 1

    again = last(_steps(catalog, results, "人工"))

    assert texts(again) == [prompt(catalog, "handoff_open", case_id=last(results).state.handoff_case)]
    assert isinstance(again.effects[0], AddToCase)
    assert again.state.application is None


def test_a_request_about_another_application_is_filed_as_its_own(catalog: Catalog) -> None:
    results = _steps(catalog, _filed(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请")), "转人工", "取消", "是")
    results = _steps(catalog, results, *MENU_PATH[NURSING], "给我自己申请", "转人工")

    assert len(_handoffs(results)) == 2
    assert _added(results) == []


def test_saying_who_one_is_at_the_offer_of_a_person_files_nothing(catalog: Catalog) -> None:
    offered = talk(catalog, "你好", "今天天气怎么样", "吃了吗", "呵呵")
    assert isinstance(last(offered).state.pending, Handoff)  # "要不要请工作人员帮您？要的话请说“是”。"

    result = last(then(catalog, offered, "我是她老公"))  # 是 here says who he is: no yes to a person

    assert not any(isinstance(effect, CreateCase) for effect in result.effects)
    assert isinstance(result.state.pending, Handoff)
