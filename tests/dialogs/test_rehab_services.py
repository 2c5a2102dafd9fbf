"""Every path of the four rehabilitation services, from a free sentence to a filed case or a kind stop.

Rules follow shared/reference/policy-facts.md: 残疾儿童康复救助 is for children 0-6 (older children are
checked locally, adults are sent to 基本康复服务), applied for by a guardian to the 县级残联 of the child's
户籍 or 居住证, with a 诊断证明 or 残疾评定 instead of a card (§4); 辅助器具适配 goes assessment → fitting →
training → follow-up at a designated supplier, and who qualifies differs by place (§5); 家庭无障碍改造 is
for 困难 and 重度 (一级、二级) households, by yearly quota (§6). Adult rehab has no facts on the sheet: its
open questions go to the local office as notes. None of these services is on the main menu yet, so each is
opened by saying what one wants, as a resident would.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import NoneType

import pytest

from dialogs.events import CASE_ID_PLACEHOLDER, CreateCase, Reply, StepResult
from dialogs.intents import route
from dialogs.pending import Proposal
from dialogs.render import render_spoken
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    PROXY_PHONE,
    SELF_PHONE,
    ask,
    card_for,
    cases,
    last,
    prompt,
    rule_says,
    talk,
    texts,
    then,
)

REHAB = "rehab"
CHILD = "child-rehab"
DEVICE = "assistive-device"
HOME = "home-accessibility"
FOUR = [pytest.param(s, id=s) for s in (REHAB, CHILD, DEVICE, HOME)]
TEAMS = {REHAB: "rehab", CHILD: "rehab", DEVICE: "rehab", HOME: "subsidy"}
OPENING = {
    REHAB: "我想申请基本康复服务",
    CHILD: "我想申请残疾儿童康复救助",
    DEVICE: "我想申请辅助器具适配",
    HOME: "我想申请家庭无障碍改造",
}
ROUTING_SENTENCES = Path(__file__).resolve().parents[1] / "data" / "routing" / "rehab-services.tsv"

# Checksummed ID numbers (GB 11643); a card number is the ID plus category and level.
ADULT_ID = "450205198506070018"
ADULT_DISABILITY = "肢体二级"
ADULT_CARD = card_for(ADULT_ID, ADULT_DISABILITY)
ELDER_ID = "450203197001010012"
ELDER_DISABILITY = "视力一级"
ELDER_CARD = card_for(ELDER_ID, ELDER_DISABILITY)
CHILD_ID = "450202202103150021"

PERSONAL_SELF = {"name": "张三", "id_number": ADULT_ID, "card_number": ADULT_CARD, "district": "柳北区"}
PERSONAL_PROXY = {"name": "王秀英", "id_number": ELDER_ID, "card_number": ELDER_CARD, "district": "鹿寨"}
PROXY = {"applicant": "替我妈申请", "relationship": "儿子", "proxy_name": "李四", "proxy_phone": PROXY_PHONE}

# What a resident answers to each question when nothing special is going on, by step id.
SELF_ANSWERS: dict[str, dict[str, str]] = {
    REHAB: {
        "applicant": "给我自己申请",
        "age": "四十岁",
        "help_type": "康复训练",
        "situation": "腿受过伤，想练走路",
        "has_card": "有",
        **PERSONAL_SELF,
        "hukou_here": "是",
        "phone": SELF_PHONE,
    },
    DEVICE: {
        "applicant": "给我自己申请",
        "device": "轮椅",
        "age": "四十岁",
        "has_card": "有",
        "situation": "低保家庭",
        **PERSONAL_SELF,
        "phone": SELF_PHONE,
    },
    HOME: {
        "applicant": "给我自己申请",
        "need": "装扶手",
        "has_card": "有",
        "disability": ADULT_DISABILITY,
        "hardship": "在领低保",
        "lives_there": "是",
        **PERSONAL_SELF,
        "address": "柳北区雅儒街道胜利小区",
        "phone": SELF_PHONE,
    },
}
PROXY_ANSWERS: dict[str, dict[str, str]] = {
    service: {
        **answers,
        **PROXY,
        **PERSONAL_PROXY,
        "age": "七十岁",
        **({"disability": ELDER_DISABILITY} if "disability" in answers else {}),
    }
    for service, answers in SELF_ANSWERS.items()
}
# For a child the guardian applies: the applicant step's "proxy" is the guardian, "self" is stopped.
GUARDIAN_ANSWERS = {
    "applicant": "给孩子申请",
    "relationship": "妈妈",
    "child_age": "三岁",
    "residence": "户口在柳州",
    "condition": "孤独症",
    "proof": "有诊断证明",
    "family": "低保家庭",
    "need": "康复训练",
    "name": "刘小明",
    "id_number": CHILD_ID,
    "district": "城中区",
    "proxy_name": "李芳",
    "proxy_phone": PROXY_PHONE,
}
SELF_ANSWERS[CHILD] = GUARDIAN_ANSWERS
PROXY_ANSWERS[CHILD] = {**GUARDIAN_ANSWERS, "relationship": "受监护人委托", "proxy_name": "赵社工"}


def apply(
    catalog: Catalog, service: str, answers: Mapping[str, str], *, opening: tuple[str, ...] = ("你好",)
) -> list[StepResult]:
    """Open ``service`` by saying what one wants, then answer each question from ``answers`` (by step id)
    until the summary, a stop, or a question ``answers`` does not know."""
    results = talk(catalog, *opening, OPENING[service])
    application = last(results).state.application
    assert application is not None
    assert application.service == service
    for _ in range(40):
        application = last(results).state.application
        pending = last(results).state.pending
        if application is None or application.phase != "asking" or not isinstance(pending, NoneType | Proposal):
            break
        if application.step not in answers:
            break
        results = then(catalog, results, answers[application.step])
    return results


def to_summary(catalog: Catalog, service: str, *, proxy: bool = False, **changes: str) -> list[StepResult]:
    answers = {**(PROXY_ANSWERS if proxy else SELF_ANSWERS)[service], **changes}
    results = apply(catalog, service, answers)
    application = last(results).state.application
    assert application is not None, texts(last(results))
    assert application.phase == "confirming", texts(last(results))
    return results


def all_said(results: list[StepResult]) -> str:
    return "\n".join(text for result in results for text in texts(result))


def submitted(results: list[StepResult]) -> CreateCase:
    (case,) = [case for result in results for case in cases(result)]
    return case


# ----------------------------------------------------------------------------- opening


@pytest.mark.parametrize("service", FOUR)
def test_saying_what_one_wants_opens_the_service_with_its_intro_and_first_question(
    catalog: Catalog, service: str
) -> None:
    result = last(talk(catalog, "你好", OPENING[service]))

    assert texts(result) == [catalog.services[service].intro.text, ask(catalog, service, "applicant")]
    assert result.replies[1].options == tuple(o.label for o in catalog.services[service].step("applicant").options)


@pytest.mark.parametrize(
    ("slip", "service"),
    [
        pytest.param("我想申请付具适配", DEVICE, id="fu-for-fu"),
        pytest.param("基本抗复服务", REHAB, id="kang-for-kang"),
        pytest.param("孩子是孤读症", CHILD, id="du-for-du"),
        pytest.param("无障爱改造", HOME, id="ai-for-ai"),
    ],
)
def test_a_sound_alike_slip_of_the_recogniser_still_opens_the_service(
    catalog: Catalog, slip: str, service: str
) -> None:
    application = last(talk(catalog, "你好", slip)).state.application

    assert application is not None
    assert application.service == service


def test_the_routing_sentences_reach_their_service_at_least_95_percent_of_the_time(catalog: Catalog) -> None:
    lines = [line.split("\t") for line in ROUTING_SENTENCES.read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) >= 100
    assert {service for _, service in lines} >= {REHAB, CHILD, DEVICE, HOME}
    # "none": a sentence that must start nothing (低保 alone waits for the dibao service).
    missed = [
        (s, service) for s, service in lines if route(s, catalog).service != (None if service == "none" else service)
    ]

    assert len(missed) <= len(lines) * 0.05, missed


@pytest.mark.parametrize("service", FOUR)
def test_in_simple_mode_the_questions_are_the_short_forms(catalog: Catalog, service: str) -> None:
    results = apply(catalog, service, {}, opening=("你好", "简单模式"))

    assert texts(last(results)) == [
        catalog.services[service].intro.for_mode("simple"),
        ask(catalog, service, "applicant", mode="simple"),
    ]


@pytest.mark.parametrize("service", FOUR)
def test_every_prompt_has_a_simple_form_no_longer_than_the_normal_one(catalog: Catalog, service: str) -> None:
    found = catalog.services[service]
    prompts = [found.intro, found.done, found.where, found.next_steps]
    prompts += [s.ask for s in found.steps] + [r.say for r in found.rules]
    for said in prompts:
        assert said is not None
        assert said.simple is not None, said.text
        assert len(said.simple) <= len(said.text), said.text


# ----------------------------------------------------------------------------- eligible: oneself, or the guardian


def test_rehab_for_oneself_files_one_case_with_every_field(catalog: Catalog) -> None:
    results = then(catalog, to_summary(catalog, REHAB), "是")

    case = submitted(results)
    assert (case.service, case.team) == (REHAB, "rehab")
    assert case.fields == {
        "applicant": "self",
        "beneficiary_name": "张三",
        "id_number": ADULT_ID,
        "card_number": {"number": ADULT_CARD, "category": 4, "level": 2, "reissue": None},
        "district": {"code": "450205", "name": "柳北区"},
        "contact_phone": SELF_PHONE,
    }
    assert case.answers["help_type"] == "training"
    assert case.answers["age"] == 40
    assert case.answers["situation"] == "腿受过伤，想练走路"
    assert case.notes == ()
    assert last(results).state.application is None


def test_an_assistive_device_for_oneself_files_one_case_with_the_device(catalog: Catalog) -> None:
    case = submitted(then(catalog, to_summary(catalog, DEVICE), "是"))

    assert (case.service, case.team) == (DEVICE, "rehab")
    assert case.answers["device"] == "wheelchair"
    assert case.fields["card_number"]["number"] == ADULT_CARD
    assert case.fields["contact_phone"] == SELF_PHONE
    assert case.notes == ()


def test_a_home_retrofit_for_oneself_files_one_case_for_the_subsidy_team_with_the_address(catalog: Catalog) -> None:
    case = submitted(then(catalog, to_summary(catalog, HOME), "是"))

    assert (case.service, case.team) == (HOME, "subsidy")
    assert case.answers["need"] == "grab_bars"
    assert case.answers["address"] == "柳北区雅儒街道胜利小区"
    assert case.answers["disability"] == {"category": 4, "level": 2}
    assert case.fields["card_number"]["number"] == ADULT_CARD
    assert case.notes == ()


def test_a_guardian_applying_for_a_child_files_one_case_without_any_card(catalog: Catalog) -> None:
    results = then(catalog, to_summary(catalog, CHILD), "是")

    case = submitted(results)
    assert (case.service, case.team) == (CHILD, "rehab")
    assert case.fields == {
        "applicant": "proxy",
        "proxy_relationship": "parent",
        "beneficiary_name": "刘小明",
        "id_number": CHILD_ID,
        "district": {"code": "450202", "name": "城中区"},
        "proxy_name": "李芳",
        "proxy_phone": PROXY_PHONE,
    }
    assert case.answers["child_age"] == 3
    assert case.answers["condition"] == "autism"
    assert case.answers["proof"] == "diagnosis"
    assert case.answers["family"] == "dibao"
    assert case.notes == ()
    assert "残疾人证号码" not in all_said(results)


@pytest.mark.parametrize(
    ("relationship", "recorded"),
    [
        pytest.param("我是孩子的妈妈", "parent", id="mother"),
        pytest.param("爸爸", "parent", id="father"),
        pytest.param("我是他奶奶", "grandparent", id="grandmother"),
        pytest.param("外公", "grandparent", id="grandfather-mothers-side"),
        pytest.param("福利院", "guardian", id="welfare-home"),
        pytest.param("3", "guardian", id="by-number"),
    ],
)
def test_the_guardian_says_how_they_are_related_to_the_child(
    catalog: Catalog, relationship: str, recorded: str
) -> None:
    case = submitted(then(catalog, to_summary(catalog, CHILD, relationship=relationship), "是"))

    assert case.fields["proxy_relationship"] == recorded


@pytest.mark.parametrize(
    ("said", "recorded"),
    [
        pytest.param("给我孩子申请", "proxy", id="my-child"),
        pytest.param("给我自己的孩子", "proxy", id="my-own-child"),
        pytest.param("帮我儿子", "proxy", id="my-son"),
        pytest.param("1", "proxy", id="by-number"),
    ],
)
def test_the_guardians_everyday_words_for_the_child_are_understood(catalog: Catalog, said: str, recorded: str) -> None:
    results = apply(catalog, CHILD, {"applicant": said})

    application = last(results).state.application
    assert application is not None
    assert application.answers["applicant"] == recorded
    assert application.step == "relationship"


def test_the_child_questions_name_the_child_not_a_disabled_adult(catalog: Catalog) -> None:
    heard = all_said(to_summary(catalog, CHILD))

    assert ask(catalog, CHILD, "child_age") in heard
    assert ask(catalog, CHILD, "name") in heard
    assert "残疾人本人" not in heard
    assert "{who}" not in heard


# ----------------------------------------------------------------------------- eligible, as a proxy


@pytest.mark.parametrize("service", [REHAB, DEVICE, HOME])
def test_as_a_proxy_the_case_records_the_proxy_and_contacts_them(catalog: Catalog, service: str) -> None:
    results = then(catalog, to_summary(catalog, service, proxy=True), "是")

    case = submitted(results)
    assert (case.service, case.team) == (service, TEAMS[service])
    assert case.fields["applicant"] == "proxy"
    assert case.fields["proxy_relationship"] == "child"
    assert case.fields["proxy_name"] == "李四"
    assert case.fields["proxy_phone"] == PROXY_PHONE
    assert case.fields["beneficiary_name"] == "王秀英"
    assert case.fields["id_number"] == ELDER_ID
    assert case.fields["card_number"]["number"] == ELDER_CARD
    assert case.fields["district"] == {"code": "450223", "name": "鹿寨县"}
    assert "contact_phone" not in case.fields
    heard = all_said(results)
    assert ask(catalog, service, "name", proxy=True) in heard
    assert ask(catalog, service, "phone") not in heard
    assert "{who}" not in heard


def test_someone_the_guardian_entrusts_can_apply_and_the_case_says_so(catalog: Catalog) -> None:
    results = then(catalog, to_summary(catalog, CHILD, proxy=True), "是")

    case = submitted(results)
    assert case.fields["proxy_relationship"] == "entrusted"
    assert case.fields["proxy_name"] == "赵社工"
    assert case.notes == ("entrusted",)
    assert rule_says(catalog, CHILD, "entrusted") in all_said(results)


# ----------------------------------------------------------------------------- what the submission says


@pytest.mark.parametrize("service", FOUR)
def test_a_submission_replies_with_the_case_number_documents_where_to_go_and_what_happens_next(
    catalog: Catalog, service: str
) -> None:
    result = last(then(catalog, to_summary(catalog, service), "是"))

    found = catalog.services[service]
    said = texts(result)
    assert said[0] == found.done.text
    assert CASE_ID_PLACEHOLDER in said[0]
    assert result.replies[1] == Reply(prompt(catalog, "documents_intro"), items=found.documents)
    assert found.where is not None
    assert found.next_steps is not None
    assert said[2:] == [found.where.text, found.next_steps.text]
    assert any("请问" in item for item in found.documents)


def test_child_rehab_asks_for_a_diagnosis_or_assessment_not_a_card(catalog: Catalog) -> None:
    found = catalog.services[CHILD]

    assert not any(step.type == "disability_card" for step in found.steps)
    assert any("诊断证明或者残疾评定" in item for item in found.documents)
    assert any("居住证" in item for item in found.documents)
    where = found.where
    assert where is not None
    assert "县级残联" in where.text
    assert "居住证" in where.text


def test_the_device_chain_is_said_in_order_assessment_fitting_training_follow_up(catalog: Catalog) -> None:
    next_steps = catalog.services[DEVICE].next_steps
    assert next_steps is not None

    text = next_steps.text
    order = [text.index(word) for word in ("评估", "指定的辅具店", "配好", "使用", "回访")]
    assert order[0] < order[1] < order[3] < order[4]
    assert order[2] > order[0]


def test_the_retrofit_says_places_come_from_a_yearly_quota_and_the_local_office_decides(catalog: Catalog) -> None:
    found = catalog.services[HOME]
    assert found.next_steps is not None

    assert "每年" in found.intro.text
    assert "名额每年" in found.next_steps.text
    assert "县级残联" in found.next_steps.text


# ----------------------------------------------------------------------------- stop rules

STOPS = [
    pytest.param(REHAB, {"age": "三岁"}, "young-child", id="rehab-three-year-old"),
    pytest.param(REHAB, {"age": "不到一岁"}, "young-child", id="rehab-baby"),
    pytest.param(REHAB, {"help_type": "想配个轮椅"}, "wants-device", id="rehab-wants-a-wheelchair"),
    pytest.param(CHILD, {"applicant": "给我自己申请"}, "not-for-oneself", id="child-for-oneself"),
    pytest.param(CHILD, {"child_age": "三十岁"}, "adult", id="child-an-adult"),
    pytest.param(CHILD, {"child_age": "18岁"}, "adult", id="child-just-eighteen"),
    pytest.param(CHILD, {"residence": "都没有"}, "no-residence", id="child-no-hukou-no-permit"),
    pytest.param(CHILD, {"residence": "户口不在柳州"}, "no-residence", id="child-hukou-elsewhere"),
    pytest.param(HOME, {"hardship": "家里不算困难"}, "not-poor", id="home-not-poor"),
]


@pytest.mark.parametrize(("service", "overrides", "rule"), STOPS)
def test_stop_rule_ends_kindly_with_the_reason_the_footer_and_no_case(
    catalog: Catalog, service: str, overrides: dict[str, str], rule: str
) -> None:
    results = apply(catalog, service, {**SELF_ANSWERS[service], **overrides})

    result = last(results)
    footer = prompt(catalog, "stop_footer")
    assert texts(result)[-2:] == [rule_says(catalog, service, rule), footer]
    assert "转人工" in footer
    assert "{who}" not in all_said(results)
    assert [case for r in results for case in cases(r)] == []
    assert result.effects == ()
    assert result.state.application is None
    assert result.state.pending is None


@pytest.mark.parametrize(
    ("service", "overrides", "rule"),
    [
        pytest.param(HOME, {"lives_there": "不是"}, "not-living-there", id="home-lives-elsewhere"),
        pytest.param(HOME, {"disability": "肢体三级"}, "level-three-four", id="home-level-3"),
    ],
)
def test_a_note_for_someone_else_names_the_disabled_person_and_goes_on(
    catalog: Catalog, service: str, overrides: dict[str, str], rule: str
) -> None:
    card = card_for(ELDER_ID, overrides.get("disability", ELDER_DISABILITY))
    answers = {**PROXY_ANSWERS[service], **overrides, "card_number": card}

    results = apply(catalog, service, answers)

    said = rule_says(catalog, service, rule, proxy=True)
    assert said in all_said(results)
    assert "残疾人本人" in said
    assert last(results).state.application is not None


def test_a_three_year_old_in_adult_rehab_is_pointed_to_child_rehab_and_can_start_it_by_name(
    catalog: Catalog,
) -> None:
    results = apply(catalog, REHAB, {"applicant": "替我孩子申请", "relationship": "妈妈", "age": "三岁"})

    said = rule_says(catalog, REHAB, "young-child", proxy=True)
    assert texts(last(results))[0] == said
    assert "残疾儿童康复救助" in said
    assert "儿童康复" in said
    results = then(catalog, results, "儿童康复")

    application = last(results).state.application
    assert application is not None
    assert application.service == CHILD


def test_an_adult_in_child_rehab_is_told_kindly_and_can_start_adult_rehab_by_name(catalog: Catalog) -> None:
    results = apply(catalog, CHILD, {**GUARDIAN_ANSWERS, "child_age": "四十五岁"})

    said = rule_says(catalog, CHILD, "adult")
    assert texts(last(results))[0] == said
    assert "基本康复服务" in said
    assert "康复服务" in said
    results = then(catalog, results, "康复服务")

    application = last(results).state.application
    assert application is not None
    assert application.service == REHAB


def test_applying_for_oneself_in_child_rehab_is_explained_not_just_refused(catalog: Catalog) -> None:
    said = rule_says(catalog, CHILD, "not-for-oneself")

    assert "监护人" in said
    assert "康复服务" in said
    results = then(catalog, apply(catalog, CHILD, {"applicant": "2"}), "康复服务")
    application = last(results).state.application
    assert application is not None
    assert application.service == REHAB


def test_wanting_a_device_in_rehab_is_pointed_to_the_device_service(catalog: Catalog) -> None:
    results = then(catalog, apply(catalog, REHAB, {**SELF_ANSWERS[REHAB], "help_type": "4"}), "辅助器具")

    assert "辅助器具" in rule_says(catalog, REHAB, "wants-device")
    application = last(results).state.application
    assert application is not None
    assert application.service == DEVICE


# ----------------------------------------------------------------------------- note rules

NOTES = [
    pytest.param(REHAB, {"age": "十五岁"}, ("minor",), id="rehab-fifteen"),
    pytest.param(REHAB, {"help_type": "精神障碍社区康复"}, ("mental-community",), id="rehab-mental-community"),
    pytest.param(REHAB, {"help_type": "说不清楚"}, ("help-unsure",), id="rehab-unsure"),
    pytest.param(REHAB, {"has_card": "没有"}, ("no-card",), id="rehab-no-card"),
    pytest.param(REHAB, {"hukou_here": "不是"}, ("hukou-elsewhere",), id="rehab-hukou-elsewhere"),
    pytest.param(
        REHAB,
        {"age": "十七岁", "help_type": "2", "has_card": "没有", "hukou_here": "不是"},
        ("minor", "mental-community", "no-card", "hukou-elsewhere"),
        id="rehab-four-notes",
    ),
    pytest.param(CHILD, {"relationship": "受监护人委托"}, ("entrusted",), id="child-entrusted"),
    pytest.param(CHILD, {"child_age": "八岁"}, ("older-child",), id="child-eight"),
    pytest.param(CHILD, {"child_age": "17岁"}, ("older-child",), id="child-seventeen"),
    pytest.param(CHILD, {"residence": "有居住证"}, (), id="child-residence-permit-is-fine"),
    pytest.param(CHILD, {"condition": "还不确定"}, ("condition-unsure",), id="child-condition-unsure"),
    pytest.param(CHILD, {"proof": "都还没有"}, ("no-proof",), id="child-no-proof"),
    pytest.param(CHILD, {"proof": "有残疾人证"}, (), id="child-card-is-fine"),
    pytest.param(CHILD, {"family": "家里经济困难"}, ("other-hardship",), id="child-other-hardship"),
    pytest.param(CHILD, {"family": "都不是"}, ("family-none",), id="child-family-none"),
    pytest.param(CHILD, {"family": "孩子在儿童福利机构"}, (), id="child-in-welfare-institution"),
    pytest.param(CHILD, {"family": "孤儿"}, (), id="child-orphan"),
    pytest.param(CHILD, {"condition": "听力残疾", "need": "做手术"}, (), id="child-hearing-surgery"),
    pytest.param(
        CHILD,
        {"child_age": "九岁", "condition": "不知道", "proof": "没有", "family": "都不是"},
        ("older-child", "condition-unsure", "no-proof", "family-none"),
        id="child-four-notes",
    ),
    pytest.param(DEVICE, {"device": "其他辅具"}, ("other-device",), id="device-other"),
    pytest.param(DEVICE, {"device": "还不知道要哪种"}, ("device-unsure",), id="device-unsure"),
    pytest.param(DEVICE, {"age": "五岁"}, ("young-child",), id="device-five-year-old"),
    pytest.param(DEVICE, {"has_card": "没有"}, ("no-card",), id="device-no-card"),
    pytest.param(DEVICE, {"situation": "在上学的学生"}, ("not-dibao",), id="device-student"),
    pytest.param(DEVICE, {"situation": "没有工作"}, ("not-dibao",), id="device-jobless"),
    pytest.param(DEVICE, {"situation": "都不是"}, ("not-dibao",), id="device-none"),
    pytest.param(DEVICE, {"device": "助听器"}, (), id="device-hearing-aid"),
    pytest.param(DEVICE, {"device": "盲杖"}, (), id="device-white-cane"),
    pytest.param(DEVICE, {"device": "假肢"}, (), id="device-prosthesis"),
    pytest.param(
        DEVICE,
        {"device": "不知道", "age": "三岁", "has_card": "没有", "situation": "4"},
        ("device-unsure", "young-child", "no-card", "not-dibao"),
        id="device-four-notes",
    ),
    pytest.param(HOME, {"need": "其他"}, ("other-need",), id="home-other-need"),
    # Liuzhou's rules are unknown: no card, level 3–4 outside 智力/精神 and not living there go to staff as notes.
    pytest.param(HOME, {"has_card": "没有"}, ("no-card",), id="home-no-card"),
    pytest.param(
        HOME,
        {"disability": "肢体三级", "card_number": card_for(ADULT_ID, "肢体三级")},
        ("level-three-four",),
        id="home-physical-level-3",
    ),
    pytest.param(
        HOME,
        {"disability": "听力四级", "card_number": card_for(ADULT_ID, "听力四级")},
        ("level-three-four",),
        id="home-hearing-level-4",
    ),
    pytest.param(HOME, {"lives_there": "不是"}, ("not-living-there",), id="home-lives-elsewhere"),
    pytest.param(
        HOME,
        {"disability": "精神三级", "card_number": card_for(ADULT_ID, "精神三级")},
        ("level-three-four-mental",),
        id="home-mental-level-3",
    ),
    pytest.param(
        HOME,
        {"disability": "智力四级", "card_number": card_for(ADULT_ID, "智力四级")},
        ("level-three-four-mental",),
        id="home-intellectual-level-4",
    ),
    pytest.param(HOME, {"hardship": "没有低保，但是家里收入很低"}, ("low-income",), id="home-low-income"),
    pytest.param(HOME, {"hardship": "说不清楚"}, ("hardship-unsure",), id="home-hardship-unsure"),
    pytest.param(HOME, {"need": "修坡道"}, (), id="home-ramp"),
    pytest.param(HOME, {"need": "改造厕所或者卫生间"}, (), id="home-bathroom"),
    pytest.param(HOME, {"need": "门槛"}, (), id="home-doorway"),
]


@pytest.mark.parametrize(("service", "overrides", "notes"), NOTES)
def test_note_rule_says_why_continues_and_the_note_reaches_the_case(
    catalog: Catalog, service: str, overrides: dict[str, str], notes: tuple[str, ...]
) -> None:
    results = then(catalog, to_summary(catalog, service, **overrides), "是")

    heard = all_said(results)
    for note in notes:
        assert rule_says(catalog, service, note) in heard
    case = submitted(results)
    assert (case.service, case.team) == (service, TEAMS[service])
    assert case.notes == notes


def test_without_a_card_adult_rehab_and_devices_skip_the_card_number(catalog: Catalog) -> None:
    for service in (REHAB, DEVICE):
        results = then(catalog, to_summary(catalog, service, has_card="没有"), "是")

        assert ask(catalog, service, "card_number") not in all_said(results)
        assert "card_number" not in submitted(results).fields


def test_a_note_for_someone_else_names_the_disabled_person(catalog: Catalog) -> None:
    results = to_summary(catalog, DEVICE, proxy=True, device="还不知道要哪种")

    said = rule_says(catalog, DEVICE, "device-unsure", proxy=True)
    assert said in all_said(results)
    assert "残疾人本人" in said


def test_the_retrofit_card_must_agree_with_the_level_said(catalog: Catalog) -> None:
    answers = {k: v for k, v in SELF_ANSWERS[HOME].items() if k != "card_number"}
    results = then(catalog, apply(catalog, HOME, {**answers, "disability": "肢体一级"}), ADULT_CARD)

    result = last(results)
    assert result.state.application is not None
    assert result.state.application.step == "card_number"
    assert "对不上" in texts(result)[0]


# ----------------------------------------------------------------------------- heard, not seen


@pytest.mark.parametrize("service", FOUR)
def test_nothing_said_on_the_way_needs_a_screen_or_leaves_a_placeholder(catalog: Catalog, service: str) -> None:
    for answers in (SELF_ANSWERS[service], PROXY_ANSWERS[service]):
        results = then(catalog, apply(catalog, service, answers), "是")
        for result in results:
            for reply in result.replies:
                spoken = render_spoken(reply)
                assert "点击" not in spoken
                assert "|" not in spoken
                assert "{who}" not in spoken
                assert "元" not in spoken


def test_asking_for_ones_child_offers_the_child_as_the_one_applied_for(catalog: Catalog) -> None:
    opened = last(talk(catalog, "你好", "我想给孩子申请残疾儿童康复救助"))

    assert opened.state.pending == Proposal("applicant", "proxy", "给孩子")
