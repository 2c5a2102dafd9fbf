"""The four services added for issue 14: 低保 (with 重残单人户), 就业, 托养, 助学.

Each screens, lists documents and where to go, and files a case for the team that refers the resident on.
Sources: content/sources.yaml (柳江区's 低保 page; Liuzhou's plan for the rest, said with a hedge). What the
sources only describe is a note for staff, never a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot.cases.types import TEAMS
from dialogs.events import CASE_ID_PLACEHOLDER, CreateCase, Reply, StepResult
from dialogs.schema import Catalog
from tests.dialogs.conversation import SELF_PHONE, cases, last, prompt, rule_says, talk, texts, then

DIBAO, JOBS, CARE, SCHOOL = "dibao", "employment", "care-services", "education-aid"
FOUR = [pytest.param(s, id=s) for s in (DIBAO, JOBS, CARE, SCHOOL)]
TEAMS_OF = {DIBAO: "subsidy", JOBS: "employment", CARE: "rehab", SCHOOL: "subsidy"}
OPENING = {DIBAO: "我想申请低保", JOBS: "我想找工作", CARE: "托养服务怎么申请", SCHOOL: "残疾学生助学金"}
ANSWERS: dict[str, dict[str, str]] = {
    DIBAO: {
        "applicant": "给我自己申请",
        "household": "全家收入都很低",
        "has_card": "有",
        "disability": "肢体二级",
        "name": "张三",
        "district": "柳北区",
        "phone": SELF_PHONE,
    },
    JOBS: {
        "applicant": "给我自己申请",
        "need": "找工作",
        "disability": "听力二级",
        "name": "张三",
        "district": "柳北区",
        "phone": SELF_PHONE,
    },
    CARE: {
        "applicant": "给我自己申请",
        "kind": "白天",
        "age": "二十五岁",
        "disability": "智力二级",
        "name": "张三",
        "district": "柳北区",
        "phone": SELF_PHONE,
    },
    SCHOOL: {
        "applicant": "给我自己申请",
        "student": "学生本人有残疾",
        "need": "学费",
        "stage": "大学",
        "name": "张三",
        "district": "柳北区",
        "phone": SELF_PHONE,
    },
}


def apply(catalog: Catalog, service: str, answers: Mapping[str, str]) -> list[StepResult]:
    results = talk(catalog, "你好", OPENING[service])
    for _ in range(30):
        application = last(results).state.application
        if application is None or application.phase != "asking" or application.step not in answers:
            break
        results = then(catalog, results, answers[application.step])
    return results


def filed(results: list[StepResult]) -> CreateCase:
    (case,) = [case for result in results for case in cases(result)]
    return case


@pytest.mark.parametrize("service", FOUR)
def test_a_request_is_screened_confirmed_and_filed_for_the_team_that_refers_it(catalog: Catalog, service: str) -> None:
    results = apply(catalog, service, ANSWERS[service])
    application = last(results).state.application
    assert application is not None
    assert application.phase == "confirming"

    results = then(catalog, results, "是")

    case = filed(results)
    found = catalog.services[service]
    assert (case.service, case.team) == (service, TEAMS_OF[service])
    assert case.fields["beneficiary_name"] == "张三"
    said = texts(last(results))
    assert said[0] == found.done.text
    assert CASE_ID_PLACEHOLDER in said[0]
    assert last(results).replies[1] == Reply(prompt(catalog, "documents_intro"), items=found.documents)
    assert found.where is not None
    assert found.next_steps is not None
    assert said[2:] == [found.where.text, found.next_steps.text]
    # Nothing about these is verified for Liuzhou: the list ends by saying whom to ask.
    assert "请问" in found.documents[-1]


def test_the_employment_team_exists_for_staff() -> None:
    assert "employment" in TEAMS


@pytest.mark.parametrize(
    ("service", "changes", "note"),
    [
        pytest.param(DIBAO, {"household": "想一个人单独申请"}, "single-household", id="dibao-single"),
        pytest.param(DIBAO, {"household": "低保边缘"}, "edge-household", id="dibao-edge"),
        pytest.param(JOBS, {"need": "参加培训"}, "training", id="jobs-training"),
        pytest.param(JOBS, {"need": "盲人按摩"}, "massage", id="jobs-massage"),
        pytest.param(JOBS, {"need": "有人带着做简单的活"}, "sheltered", id="jobs-sheltered"),
        pytest.param(CARE, {"age": "十二岁"}, "under-sixteen", id="care-child"),
        pytest.param(CARE, {"disability": "视力一级"}, "other-disability", id="care-visual"),
        pytest.param(SCHOOL, {"student": "学生的父母有残疾"}, "parent-disabled", id="school-parent"),
        pytest.param(SCHOOL, {"need": "随班就读"}, "mainstream", id="school-mainstream"),
    ],
)
def test_what_the_sources_only_describe_is_a_note_and_the_request_goes_on(
    catalog: Catalog, service: str, changes: dict[str, str], note: str
) -> None:
    results = then(catalog, apply(catalog, service, {**ANSWERS[service], **changes}), "是")

    assert rule_says(catalog, service, note) in "\n".join(t for r in results for t in texts(r))
    assert note in filed(results).notes


def test_a_relative_may_attend_training_for_a_severely_disabled_person(catalog: Catalog) -> None:
    assert "直系亲属" in rule_says(catalog, JOBS, "training")


def test_a_single_severely_disabled_adult_without_a_card_is_told_staff_check_the_card(catalog: Catalog) -> None:
    answers = {**ANSWERS[DIBAO], "household": "想一个人单独申请", "has_card": "没有"}
    results = then(catalog, apply(catalog, DIBAO, answers), "是")

    case = filed(results)
    assert case.notes == ("single-household", "single-no-card")
    assert "card_number" not in case.fields


def test_no_dibao_in_the_living_allowance_points_to_the_dibao_service(catalog: Catalog) -> None:
    stop = rule_says(catalog, "living-allowance", "no-dibao")
    assert "申请低保" in stop
    assert "需要长期照护" in stop

    result = last(talk(catalog, "你好", "申请低保"))
    assert result.state.application is not None
    assert result.state.application.service == DIBAO


def test_a_card_number_for_the_level_is_not_asked_in_dibao(catalog: Catalog) -> None:
    assert not any(step.type == "disability_card" for step in catalog.services[DIBAO].steps)
