"""Legal help, the disability card, common questions and the grouped main menu.

Facts follow shared/reference/policy-facts.md. Legal aid (§8): 法律援助法第四十二条 spares disabled people
without a fixed income and 低保/特困 recipients the financial check; anyone else may still get legal aid after
it, so no income answer stops an application; an urgent deadline is passed to staff at once, with no day count
(第四十三条 and 第四十四条 are unverified); 12348 is always named together with asking here or going in person,
because no text or sign-language channel is known (§11). The disability card (§9) is applied for at the
户口所在地县级残联, or in Liuzhou with a 居住证 through 跨省通办; minors and 智力/精神 applicants bring the
guardian's proof. Common questions are answered without an application and end with an offer to start one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest

from dialogs.answers import parse_answer
from dialogs.events import CASE_ID_PLACEHOLDER, CreateCase, Reply, StepResult
from dialogs.intents import route
from dialogs.pending import Offer, Proposal
from dialogs.render import render_spoken
from dialogs.schema import Catalog, Prompt
from dialogs.validators import Valid
from tests.dialogs.conversation import (
    CARD,
    HANDOFF,
    LEGAL,
    LIVING,
    MENU_PATH,
    NURSING,
    PROXY_CARD,
    PROXY_ID,
    PROXY_PHONE,
    SELF_ID,
    SELF_PHONE,
    all_cases,
    all_said,
    ask,
    current_step,
    fill,
    last,
    menu_labels,
    prompt,
    rule_says,
    step_options,
    talk,
    texts,
    then,
)

TODAY = date(2026, 6, 1)  # the day the message was sent: the core reads no clock

REHAB = "rehab"
CHILD = "child-rehab"
DEVICE = "assistive-device"
HOME = "home-accessibility"
YES_NO = ("是", "不是")
ROUTING_SENTENCES = Path(__file__).resolve().parents[1] / "data" / "routing" / "legal-card-faq.tsv"

PROXY = {"applicant": "替我妈申请", "relationship": "儿子", "proxy_name": "李四", "proxy_phone": PROXY_PHONE}
LEGAL_SELF = {
    "applicant": "给我自己申请",
    "matter": "劳动和工资",
    "description": "老板欠我三个月工资不给",
    "urgent": "没有",
    "income": "没有固定收入",
    "name": "张三",
    "district": "柳北区",
    "phone": SELF_PHONE,
}
LEGAL_PROXY = {**LEGAL_SELF, **PROXY, "name": "王秀英", "district": "融水"}
CARD_SELF = {
    "applicant": "给我自己申请",
    "matter": "新办，第一次办证",
    "residence": "户口在柳州",
    "guardian": "都不是",
    "assessment_visit": "能去",
    "name": "张三",
    "id_number": SELF_ID,
    "district": "柳北区",
    "phone": SELF_PHONE,
}
CARD_PROXY = {
    **CARD_SELF,
    **PROXY,
    "matter": "证丢了",
    "guardian": "智力残疾",
    "name": "王秀英",
    "id_number": PROXY_ID,
    "card_number": PROXY_CARD,
    "district": "融水",
}

# Every common question in content/faq.yaml, by id (checked against the file below).
FAQ_IDS = (
    "both-subsidies",
    "lost-card",
    "legal-aid-cost",
    "legal-aid-contact",
    "legal-aid-what",
    "card-how",
    "card-elsewhere",
    "card-renew",
    "card-assessment",
    "card-for-subsidy",
    "when-paid",
    "how-much",
    "subsidy-and-dibao",
    "child-rehab-age",
    "free-devices",
    "apply-for-family",
    # Issue 14: answers residents ask for most that are not applications.
    "perks",
    "insurance",
    "mental-health",
    "housing",
    "home-assessment",
    "barrier-complaint",
    "veterans",
)
# Heard, a menu is words and the pauses between them: nothing else may be read out.
_HEARD_PUNCTUATION = set("，。、？")


def to_summary(catalog: Catalog, service: str, answers: Mapping[str, str]) -> list[StepResult]:
    results = fill(catalog, service, answers)
    application = last(results).state.application
    assert application is not None, all_said(results[-3:])
    assert application.phase == "confirming", all_said(results[-3:])
    return results


def submitted(catalog: Catalog, service: str, answers: Mapping[str, str]) -> tuple[CreateCase, list[StepResult]]:
    results = then(catalog, to_summary(catalog, service, answers), "是")
    (case,) = all_cases(results)
    return case, results


def faq(catalog: Catalog, faq_id: str) -> tuple[tuple[str, ...], Prompt, str]:
    """A question's phrases, answer and offered service."""
    (found,) = [question for question in catalog.faqs if question.id == faq_id]
    assert found.offer is not None
    return found.phrases, found.answer, found.offer


def opens(result: StepResult, service: str) -> bool:
    application = result.state.application
    return application is not None and application.service == service and application.step == "applicant"


def prompts_of(catalog: Catalog, service: str) -> list[Prompt]:
    found = catalog.services[service]
    extra = [p for p in (found.where, found.next_steps) if p is not None]
    return [found.intro, found.done, *extra, *(s.ask for s in found.steps), *(r.say for r in found.rules)]


# ----------------------------------------------------------------------------- legal help


def test_legal_help_for_oneself_files_one_case_for_the_legal_team_with_the_story_and_contact(
    catalog: Catalog,
) -> None:
    case, results = submitted(catalog, LEGAL, LEGAL_SELF)

    assert (case.service, case.team) == (LEGAL, "legal")
    assert case.fields == {
        "applicant": "self",
        "beneficiary_name": "张三",
        "district": {"code": "450205", "name": "柳北区"},
        "contact_phone": SELF_PHONE,
    }
    assert case.answers["matter"] == "labor"
    assert case.answers["description"] == "老板欠我三个月工资不给"
    assert case.answers["urgent"] is False
    assert "deadline" not in case.answers
    assert case.notes == ("no-income",)
    assert last(results).state.application is None


def test_legal_help_for_a_family_member_records_the_proxy_and_asks_about_the_disabled_person(
    catalog: Catalog,
) -> None:
    case, results = submitted(catalog, LEGAL, LEGAL_PROXY)

    assert case.fields == {
        "applicant": "proxy",
        "proxy_relationship": "child",
        "proxy_name": "李四",
        "proxy_phone": PROXY_PHONE,
        "beneficiary_name": "王秀英",
        "district": {"code": "450225", "name": "融水苗族自治县"},
    }
    heard = all_said(results)
    assert ask(catalog, LEGAL, "matter", proxy=True) in heard
    assert ask(catalog, LEGAL, "income", proxy=True) in heard
    assert ask(catalog, LEGAL, "phone") not in heard


def test_a_submitted_legal_case_says_its_number_what_to_bring_and_where_to_apply(catalog: Catalog) -> None:
    _, results = submitted(catalog, LEGAL, LEGAL_SELF)
    service = catalog.services[LEGAL]
    result = last(results)

    assert texts(result)[0] == service.done.text
    assert CASE_ID_PLACEHOLDER in texts(result)[0]
    assert result.replies[1] == Reply(prompt(catalog, "documents_intro"), items=service.documents)
    assert service.where is not None
    assert service.next_steps is not None
    assert texts(result)[2:] == [service.where.text, service.next_steps.text]


@pytest.mark.parametrize(
    ("income", "note"),
    [
        pytest.param("没有固定收入", "no-income", id="no-fixed-income"),
        pytest.param("没有工作", "no-income", id="no-work-in-own-words"),
        pytest.param("领低保，或者是特困人员", "assistance", id="dibao-or-tekun"),
        pytest.param("是特困", "assistance", id="tekun-in-own-words"),
        pytest.param("有固定收入", "fixed-income", id="fixed-income"),
        pytest.param("有退休金", "fixed-income", id="pension-in-own-words"),
    ],
)
def test_every_income_answer_says_its_note_goes_on_and_files_the_case(catalog: Catalog, income: str, note: str) -> None:
    case, results = submitted(catalog, LEGAL, {**LEGAL_SELF, "matter": "家庭和婚姻", "income": income})

    assert rule_says(catalog, LEGAL, note) in all_said(results)
    assert case.notes == (note,)
    assert not any(rule.outcome == "stop" for rule in catalog.services[LEGAL].rules)


def test_saying_only_no_dibao_is_not_taken_as_an_income_answer(catalog: Catalog) -> None:
    result = parse_answer(catalog.services[LEGAL].step("income"), "没有低保", today=TODAY)

    assert not isinstance(result, Valid)


def test_a_wage_claim_with_a_fixed_income_also_hears_that_no_check_is_needed(catalog: Catalog) -> None:
    case, results = submitted(catalog, LEGAL, {**LEGAL_SELF, "income": "有固定收入"})

    assert case.notes == ("fixed-income", "wage-claim")
    assert rule_says(catalog, LEGAL, "wage-claim") in all_said(results)


def test_an_urgent_deadline_is_noted_for_staff_and_its_date_is_asked(catalog: Catalog) -> None:
    before = fill(catalog, LEGAL, {k: v for k, v in LEGAL_SELF.items() if k != "urgent"})
    assert current_step(last(before).state) == "urgent"

    told = last(then(catalog, before, "有"))

    assert texts(told) == [
        rule_says(catalog, LEGAL, "urgent"),
        ask(catalog, LEGAL, "deadline"),
        prompt(catalog, "skip_hint"),
    ]
    case, _ = submitted(catalog, LEGAL, {**LEGAL_SELF, "urgent": "有", "deadline": "下周三开庭"})
    assert case.notes == ("urgent", "no-income")
    assert case.answers["deadline"] == "下周三开庭"


def test_an_urgent_case_whose_date_is_not_known_is_still_noted(catalog: Catalog) -> None:
    case, _ = submitted(catalog, LEGAL, {**LEGAL_SELF, "urgent": "有", "deadline": "不知道"})

    assert case.answers["deadline"] is None
    assert "urgent" in case.notes


@pytest.mark.parametrize(
    ("said", "matter"),
    [
        pytest.param("老板不给工资", "labor", id="wages"),
        pytest.param("我想离婚", "family", id="divorce"),
        pytest.param("房子的事", "property", id="house"),
        pytest.param("出了车祸", "injury", id="road-accident"),
        pytest.param("诈骗", "fraud", id="fraud"),
        pytest.param("被人歧视", "discrimination", id="discrimination"),
        pytest.param("别的事", "other", id="something-else"),
        pytest.param("3", "property", id="by-number"),
    ],
)
def test_what_happened_can_be_said_in_everyday_words(catalog: Catalog, said: str, matter: str) -> None:
    result = parse_answer(catalog.services[LEGAL].step("matter"), said, today=TODAY)

    assert isinstance(result, Valid)
    assert result.value == matter


def test_legal_help_states_no_day_count_and_never_sends_a_resident_only_to_the_phone(catalog: Catalog) -> None:
    said = [p.text for p in prompts_of(catalog, LEGAL)] + [q.answer.text for q in catalog.faqs]
    said += [p.simple for p in prompts_of(catalog, LEGAL) if p.simple is not None]
    said += [q.answer.simple for q in catalog.faqs if q.answer.simple is not None]

    for text in said:
        assert not re.search(r"(?<![哪几])[0-9零一二三四五六七八九十两]+ *(天|日内|个工作日)", text), text
        if "12348" in text:
            assert "转人工" in text, text
            assert "窗口" in text or "当面" in text or "到法律援助中心" in text, text


# ----------------------------------------------------------------------------- the disability card


def test_a_new_card_for_oneself_files_one_case_for_the_hotline_without_a_card_number(catalog: Catalog) -> None:
    case, results = submitted(catalog, CARD, CARD_SELF)

    assert (case.service, case.team) == (CARD, "hotline")
    assert case.fields == {
        "applicant": "self",
        "beneficiary_name": "张三",
        "id_number": SELF_ID,
        "district": {"code": "450205", "name": "柳北区"},
        "contact_phone": SELF_PHONE,
    }
    assert case.answers["matter"] == "new"
    assert case.notes == ()
    assert ask(catalog, CARD, "card_number") not in all_said(results)


def test_a_submitted_card_request_lists_the_documents_of_the_rules_and_the_county_office(catalog: Catalog) -> None:
    _, results = submitted(catalog, CARD, CARD_SELF)
    service = catalog.services[CARD]
    result = last(results)

    assert texts(result)[0] == service.done.text
    assert result.replies[1] == Reply(prompt(catalog, "documents_intro"), items=service.documents)
    documents = "".join(service.documents)
    for needed in ("身份证", "户口本", "三张两寸", "照片", "申请表", "评定表", "监护人", "居住证"):
        assert needed in documents, needed
    assert service.where is not None
    assert "户口所在地的县级残联" in service.where.text
    assert service.next_steps is not None
    for stage in ("申请", "收下材料", "评定", "审核", "发证"):
        assert stage in service.next_steps.text, stage


def test_a_lost_card_for_a_mother_with_an_intellectual_disability_notes_the_guardian_proof(
    catalog: Catalog,
) -> None:
    case, results = submitted(catalog, CARD, CARD_PROXY)

    assert case.fields == {
        "applicant": "proxy",
        "proxy_relationship": "child",
        "proxy_name": "李四",
        "proxy_phone": PROXY_PHONE,
        "beneficiary_name": "王秀英",
        "id_number": PROXY_ID,
        "card_number": {"number": PROXY_CARD, "category": 5, "level": 1, "reissue": None},
        "district": {"code": "450225", "name": "融水苗族自治县"},
    }
    assert case.answers["matter"] == "reissue"
    assert case.notes == ("reissue", "guardian-proof")
    heard = all_said(results)
    assert rule_says(catalog, CARD, "guardian-proof", proxy=True) in heard
    assert ask(catalog, CARD, "card_number", proxy=True) in heard


@pytest.mark.parametrize(
    ("said", "matter", "note"),
    [
        pytest.param("换领", "renew", "renew", id="renew"),
        pytest.param("证过期了", "renew", "renew", id="renew-in-own-words"),
        pytest.param("补办", "reissue", "reissue", id="reissue"),
        pytest.param("证坏了", "reissue", "reissue", id="reissue-in-own-words"),
        pytest.param("迁移", "transfer", "transfer", id="transfer"),
        pytest.param("户口搬了", "transfer", "transfer", id="transfer-in-own-words"),
        pytest.param("类别或者等级变更", "change", "reassessment", id="change"),
        pytest.param("等级要改", "change", "reassessment", id="change-in-own-words"),
    ],
)
def test_a_card_already_held_says_its_note_and_asks_for_the_old_card_number(
    catalog: Catalog, said: str, matter: str, note: str
) -> None:
    case, results = submitted(catalog, CARD, {**CARD_SELF, "matter": said, "card_number": SELF_ID + "42"})

    assert case.answers["matter"] == matter
    assert case.notes == (note,)
    assert rule_says(catalog, CARD, note) in all_said(results)
    assert case.fields["card_number"]["number"] == SELF_ID + "42"


def test_an_old_card_number_not_remembered_can_be_skipped(catalog: Catalog) -> None:
    case, _ = submitted(catalog, CARD, {**CARD_SELF, "matter": "证丢了", "card_number": "不知道"})

    assert case.fields["card_number"] is None


def test_a_child_needs_the_guardians_proof(catalog: Catalog) -> None:
    case, results = submitted(catalog, CARD, {**CARD_SELF, "guardian": "不满十八岁"})

    assert case.answers["guardian"] == "minor"
    assert case.notes == ("guardian-proof",)
    assert rule_says(catalog, CARD, "guardian-proof") in all_said(results)


def test_a_liuzhou_residence_permit_goes_on_as_cross_province_service(catalog: Catalog) -> None:
    case, results = submitted(catalog, CARD, {**CARD_SELF, "residence": "户口不在柳州，有居住证"})

    assert case.answers["residence"] == "residence_permit"
    assert case.notes == ("cross-province",)
    said = rule_says(catalog, CARD, "cross-province")
    assert said in all_said(results)
    for item in ("新办", "换领", "迁移", "挂失补办", "注销", "变更", "2021年6月28日", "居住证"):
        assert item in said, item


@pytest.mark.parametrize(
    ("said", "residence"),
    [
        pytest.param("户口在外省，有居住证", "residence_permit", id="elsewhere-with-permit"),
        pytest.param("户口在外省，没有居住证", "neither", id="elsewhere-without-permit"),
        pytest.param("户口在外省", None, id="elsewhere-permit-not-said"),
        pytest.param("在", "hukou", id="yes-it-is-here"),
        pytest.param("不在", "neither", id="no-it-is-not"),
    ],
)
def test_where_the_hukou_is_is_understood_and_an_answer_silent_on_the_permit_is_asked_again(
    catalog: Catalog, said: str, residence: str | None
) -> None:
    result = parse_answer(catalog.services[CARD].step("residence"), said, today=TODAY)

    assert (result.value if isinstance(result, Valid) else None) == residence


def test_neither_a_liuzhou_hukou_nor_a_residence_permit_stops_kindly_with_where_to_go(catalog: Catalog) -> None:
    results = fill(catalog, CARD, {**CARD_SELF, "residence": "户口不在柳州，也没有居住证"})

    assert texts(last(results)) == [rule_says(catalog, CARD, "no-hukou-no-permit"), prompt(catalog, "stop_footer")]
    assert "户口所在地的县级残联" in rule_says(catalog, CARD, "no-hukou-no-permit")
    assert last(results).state.application is None
    assert all_cases(results) == []


@pytest.mark.parametrize("service", [pytest.param(LEGAL, id="legal"), pytest.param(CARD, id="card")])
def test_in_simple_mode_both_services_ask_their_short_forms(catalog: Catalog, service: str) -> None:
    results = fill(catalog, service, {"applicant": "给我自己申请"}, opening=("你好", "简单模式"))

    assert texts(last(results)) == [ask(catalog, service, "matter", mode="simple")]
    assert step_options(catalog, service, "matter") == last(results).replies[-1].options


@pytest.mark.parametrize("service", [pytest.param(LEGAL, id="legal"), pytest.param(CARD, id="card")])
def test_every_prompt_of_both_services_has_a_shorter_simple_form(catalog: Catalog, service: str) -> None:
    for said in prompts_of(catalog, service):
        assert said.simple is not None, said.text
        assert len(said.simple) < len(said.text), said.text


# ----------------------------------------------------------------------------- common questions


def test_the_listed_questions_are_the_questions_in_content(catalog: Catalog) -> None:
    assert tuple(question.id for question in catalog.faqs) == FAQ_IDS
    assert len(FAQ_IDS) >= 10
    for question in catalog.faqs:
        assert question.offer in catalog.services, question.id
        assert question.answer.simple is not None, question.id
        assert len(question.answer.simple) < len(question.answer.text), question.id
        assert all(len(phrase) >= 4 for phrase in question.phrases), question.id


@pytest.mark.parametrize("mode", ["text", "simple"])
@pytest.mark.parametrize("faq_id", FAQ_IDS)
def test_every_way_of_asking_a_question_is_answered_from_idle_with_an_offer(
    catalog: Catalog, faq_id: str, mode: str
) -> None:
    phrases, answer, offered = faq(catalog, faq_id)
    opening = ("你好",) if mode == "text" else ("你好", "简单模式")

    named = [s for s in catalog.services.values() if s.id in faq_named(catalog, faq_id)]
    for phrase in phrases:
        result = last(talk(catalog, *opening, f"请问{phrase}"))

        in_phrase = [s for s in named if s.short_name in phrase]
        service = in_phrase[0] if len(in_phrase) == 1 else catalog.services[offered]
        offer = Reply(prompt(catalog, "offer_service", mode=mode, service=service.short_name), YES_NO)
        assert result.replies == (Reply(answer.for_mode(mode)), offer), phrase
        assert result.state.pending == Offer(service.id, f"请问{phrase}"), phrase
        assert result.state.application is None
        assert result.effects == ()


@pytest.mark.parametrize("faq_id", FAQ_IDS)
def test_a_question_asked_as_a_first_message_is_greeted_then_answered(catalog: Catalog, faq_id: str) -> None:
    phrases, answer, _ = faq(catalog, faq_id)

    result = last(talk(catalog, f"{phrases[0]}？"))

    assert texts(result)[:2] == [prompt(catalog, "welcome"), answer.text]


def faq_named(catalog: Catalog, faq_id: str) -> tuple[str, ...]:
    return next(q for q in catalog.faqs if q.id == faq_id).offer_when_named


def test_a_question_that_names_one_of_the_subsidies_is_offered_that_one(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "护理补贴能领多少钱"))

    assert result.state.pending == Offer(NURSING, "护理补贴能领多少钱")
    assert last(talk(catalog, "你好", "补贴能领多少钱")).state.pending == Offer("living-allowance", "补贴能领多少钱")


@pytest.mark.parametrize(
    ("question", "faq_id", "service"),
    [
        pytest.param("护理补贴和生活补贴能一起领吗", "both-subsidies", NURSING, id="both-subsidies"),
        pytest.param("残疾证丢了怎么办", "lost-card", CARD, id="lost-card"),
        pytest.param("法律援助要钱吗", "legal-aid-cost", LEGAL, id="legal-aid-cost"),
        pytest.param("我想问一下残疾证怎么办", "card-how", CARD, id="card-how"),
        pytest.param("在外地能办残疾证吗", "card-elsewhere", CARD, id="card-elsewhere"),
        pytest.param("补贴什么时候发", "when-paid", LIVING, id="when-paid"),
        pytest.param("补贴一个月多少钱", "how-much", LIVING, id="how-much"),
        pytest.param("孩子几岁可以申请康复救助", "child-rehab-age", CHILD, id="child-rehab-age"),
        pytest.param("轮椅能免费领吗", "free-devices", DEVICE, id="free-devices"),
        pytest.param("可以替家里人申请吗", "apply-for-family", LIVING, id="apply-for-family"),
    ],
)
def test_yes_to_the_offer_after_an_answer_starts_the_service_it_names(
    catalog: Catalog, question: str, faq_id: str, service: str
) -> None:
    answered, started = talk(catalog, "你好", question, "是")[1:]

    assert texts(answered)[0] == faq(catalog, faq_id)[1].text
    assert started.replies == (
        Reply(catalog.services[service].intro.text),
        Reply(ask(catalog, service, "applicant"), step_options(catalog, service, "applicant")),
    )
    assert opens(started, service)


def test_no_to_the_offer_shows_the_main_menu(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "法律援助要钱吗", "不是"))

    assert result.replies == (Reply(prompt(catalog, "menu_intro"), menu_labels(catalog)),)
    assert result.state.application is None
    assert result.state.pending is None


def test_something_else_instead_of_yes_or_no_is_taken_as_a_new_request(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "法律援助要钱吗", "我想办残疾证"))

    assert opens(result, CARD)


def test_in_simple_mode_a_question_gets_the_short_answer(catalog: Catalog) -> None:
    _, answer, _ = faq(catalog, "lost-card")

    result = last(talk(catalog, "你好", "简单模式", "残疾证丢了怎么办"))

    assert texts(result)[0] == answer.simple


def test_a_question_beats_the_shorter_service_words_inside_it_but_a_plain_request_starts_the_service(
    catalog: Catalog,
) -> None:
    _, answer, _ = faq(catalog, "how-much")

    asked = last(talk(catalog, "你好", "护理补贴多少钱"))
    requested = last(talk(catalog, "你好", "我要申请护理补贴"))

    assert texts(asked)[0] == answer.text
    assert asked.state.application is None
    assert opens(requested, NURSING)


def test_the_answers_that_depend_on_the_local_office_send_the_resident_there_and_name_no_amount(
    catalog: Catalog,
) -> None:
    how_much = faq(catalog, "how-much")[1].text
    child = faq(catalog, "child-rehab-age")[1].text
    devices = faq(catalog, "free-devices")[1].text
    cost = faq(catalog, "legal-aid-cost")[1].text

    assert not re.search(r"[0-9]", how_much)
    assert "柳州市和各县区" in how_much
    assert "乡镇" in how_much
    assert "零到六岁" in child
    assert "县级残联" in child
    assert "轮椅" in devices
    assert "残联" in devices
    assert "可以同时领" in faq(catalog, "both-subsidies")[1].text
    assert "免费" in cost
    assert "第四十二条" in cost


# ----------------------------------------------------------------------------- the grouped main menu


@pytest.mark.parametrize("mode", ["text", "simple"])
def test_the_main_menu_has_at_most_five_options_and_is_heard_without_symbols_or_clicking(
    catalog: Catalog, mode: str
) -> None:
    opening = ("你好",) if mode == "text" else ("你好", "简单模式")
    menu = last(talk(catalog, *opening)).replies[-1]

    assert menu.options == menu_labels(catalog, mode=mode)
    assert len(menu.options) <= 5
    heard = render_spoken(menu)
    assert "点击" not in heard
    assert all("\u4e00" <= ch <= "\u9fff" or ch in _HEARD_PUNCTUATION for ch in heard), heard
    for number, label in enumerate(menu.options, start=1):
        assert f"说{'一二三四五'[number - 1]}，{label}。" in heard


@pytest.mark.parametrize("mode", ["text", "simple"])
def test_every_menu_label_said_alone_chooses_its_option_and_is_no_command(catalog: Catalog, mode: str) -> None:
    opening = ("你好",) if mode == "text" else ("你好", "简单模式")
    for item, label in zip(catalog.menu, menu_labels(catalog, mode=mode), strict=True):
        result = last(talk(catalog, *opening, label))

        if item.group is not None:
            assert result.state.menu_group == item.group, label
            assert result.state.application is None, label
        else:
            assert result.state.application is not None, label
            assert result.state.application.service == item.service, label


def test_one_opens_the_subsidy_menu_and_then_two_starts_the_nursing_allowance(catalog: Catalog) -> None:
    group, chosen = talk(catalog, "你好", "1", "2")[1:]

    members = ("困难残疾人生活补贴", "重度残疾人护理补贴", "困难重度残疾人家庭无障碍改造", "最低生活保障")
    assert tuple(catalog.services[s].name for s in catalog.menu[0].services) == members
    assert group.replies == (Reply(prompt(catalog, "group_intro"), members),)
    assert group.state.application is None
    assert opens(chosen, NURSING)
    assert texts(chosen) == [catalog.services[NURSING].intro.text, ask(catalog, NURSING, "applicant")]


def test_two_opens_the_rehabilitation_menu_and_its_numbers_choose_within_it(catalog: Catalog) -> None:
    group, chosen = talk(catalog, "你好", "2", "3")[1:]

    assert group.replies[0].options == tuple(catalog.services[s].name for s in (REHAB, CHILD, DEVICE, "care-services"))
    assert opens(chosen, DEVICE)


def test_a_group_menu_heard_names_each_service_with_its_number(catalog: Catalog) -> None:
    group = last(talk(catalog, "你好", "1")).replies[-1]

    heard = render_spoken(group)

    assert "说一，困难残疾人生活补贴。说二，重度残疾人护理补贴。" in heard
    assert all("\u4e00" <= ch <= "\u9fff" or ch in _HEARD_PUNCTUATION for ch in heard), heard


@pytest.mark.parametrize(
    ("said", "service"),
    [
        pytest.param("护理补贴", NURSING, id="nursing"),
        pytest.param("我想申请生活补贴", LIVING, id="living"),
        pytest.param("家里想做无障碍改造", HOME, id="home"),
        pytest.param("孩子康复", CHILD, id="child-rehab"),
        pytest.param("我要申请轮椅", DEVICE, id="device"),
        pytest.param("想做康复训练", REHAB, id="rehab"),
    ],
)
def test_a_service_inside_a_group_can_be_named_straight_from_the_main_menu(
    catalog: Catalog, said: str, service: str
) -> None:
    for opening in (("你好",), ("你好", "简单模式")):
        result = last(talk(catalog, *opening, said))

        assert opens(result, service), (opening, said)
        assert result.state.menu_group == ""


def test_asking_for_subsidies_in_general_opens_the_subsidy_menu(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "我想申请补贴"))

    assert result.replies == (
        Reply(prompt(catalog, "group_intro"), tuple(catalog.services[s].name for s in catalog.menu[0].services)),
    )
    assert result.state.menu_group == "subsidy"


@pytest.mark.parametrize(
    ("said", "service"),
    [
        pytest.param(MENU_PATH[LEGAL][0], LEGAL, id="legal-by-number"),
        pytest.param("三", LEGAL, id="legal-by-chinese-number"),
        pytest.param("法律救助", LEGAL, id="legal-by-its-short-name"),
        pytest.param("我想申请法律援助", LEGAL, id="legal-in-own-words"),
        pytest.param(MENU_PATH[CARD][0], CARD, id="card-by-number"),
        pytest.param("第四个", CARD, id="card-by-ordinal"),
        pytest.param("我要办残疾证", CARD, id="card-in-own-words"),
        pytest.param(MENU_PATH[HANDOFF][0], HANDOFF, id="person-by-number"),
    ],
)
def test_the_single_service_options_start_by_number_or_by_words(catalog: Catalog, said: str, service: str) -> None:
    result = last(talk(catalog, "你好", said))

    assert result.state.application is not None
    assert result.state.application.service == service


def test_after_the_menu_is_shown_again_numbers_mean_the_main_menu_again(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "1", "菜单", "3"))

    assert opens(result, LEGAL)


# ----------------------------------------------------------------------------- routing


def test_the_routing_sentences_reach_their_service(catalog: Catalog) -> None:
    lines = [line.split("\t") for line in ROUTING_SENTENCES.read_text(encoding="utf-8").splitlines() if line]
    mine = [line for line in lines if line[1] in (LEGAL, CARD)]
    others = [line for line in lines if line[1] not in (LEGAL, CARD)]
    assert len(mine) >= 60
    assert len(others) >= 10
    assert {service for _, service in others} >= {LIVING, NURSING, HANDOFF}

    # "none": a sentence that must start nothing (低保 alone waits for the dibao service).
    missed = [
        (s, service) for s, service in lines if route(s, catalog).service != (None if service == "none" else service)
    ]

    assert len(missed) <= len(lines) * 0.05, missed


@pytest.mark.parametrize(
    ("slip", "service"),
    [
        pytest.param("法律援住", LEGAL, id="legal-zhu"),
        pytest.param("发律援助", LEGAL, id="legal-fa"),
        pytest.param("残疾正", CARD, id="card-zheng"),
        pytest.param("惨疾证", CARD, id="card-can"),
    ],
)
def test_a_sound_alike_slip_still_starts_the_service(catalog: Catalog, slip: str, service: str) -> None:
    assert opens(last(talk(catalog, "你好", slip)), service)


# ----------------------------------------------------------------------------- the card: assessment at home (issue 14)


def test_a_resident_who_cannot_go_out_for_the_assessment_is_told_to_ask_for_one_at_home_and_staff_see_it(
    catalog: Catalog,
) -> None:
    case, results = submitted(catalog, CARD, {**CARD_SELF, "assessment_visit": "出不了门"})

    assert case.answers["assessment_visit"] == "housebound"
    assert case.notes == ("home-assessment",)
    assert case.displays["assessment_visit"] == "出不了门，比如卧床或者行动很不方便"
    assert rule_says(catalog, CARD, "home-assessment") in all_said(results)


@pytest.mark.parametrize("said", ["我瘫在床上", "下不了床", "我腿脚不好，下不了楼", "去不了", "不行，出不去"])
def test_ways_of_saying_one_cannot_go_out_are_understood(catalog: Catalog, said: str) -> None:
    case, _ = submitted(catalog, CARD, {**CARD_SELF, "assessment_visit": said})

    assert case.answers["assessment_visit"] == "housebound"


@pytest.mark.parametrize("said", ["能去", "可以", "有人陪着能去"])
def test_one_who_can_go_hears_nothing_about_visits_at_home(catalog: Catalog, said: str) -> None:
    case, results = submitted(catalog, CARD, {**CARD_SELF, "assessment_visit": said})

    assert case.answers["assessment_visit"] == "can_go"
    assert case.notes == ()
    assert "上门" not in all_said(results[:-1])  # the closing's next steps mention it for everyone


def test_the_home_assessment_is_said_with_a_hedge_never_as_a_promise(catalog: Catalog) -> None:
    (rule,) = [r for r in catalog.services[CARD].rules if r.id == "home-assessment"]

    for text in (rule.say.text, rule.say.simple):
        assert text is not None
        assert "有的地方" in text
        assert "请问" in text
        assert "会上门" not in text
        assert "可以上门评定" not in text.replace("有的地方可以上门", "")


def test_the_question_is_asked_only_where_an_assessment_is_part_of_it(catalog: Catalog) -> None:
    asked = ask(catalog, CARD, "assessment_visit")
    for matter in ("证丢了", "换领", "迁移"):
        _, results = submitted(catalog, CARD, {**CARD_SELF, "matter": matter, "card_number": "不知道"})
        assert asked not in all_said(results), matter
    _, changed = submitted(catalog, CARD, {**CARD_SELF, "matter": "等级要改", "card_number": "不知道"})
    assert asked in all_said(changed)


def test_being_bedridden_said_in_the_first_message_is_offered_back_as_the_answer(catalog: Catalog) -> None:
    opening = ("你好", "我爸瘫在床上好几年了，想给他办个残疾证")
    answers = ("是", "对", "韦强", PROXY_PHONE, "新办", "户口在柳州", "都不是")
    offered = last(talk(catalog, *opening, *answers))

    assert isinstance(offered.state.pending, Proposal)
    assert offered.state.pending.step == "assessment_visit"
    assert offered.state.pending.value == "housebound"
    assert "瘫在床上" in texts(offered)[-1]

    taken = last(then(catalog, [offered], "对"))
    assert taken.state.application is not None
    assert taken.state.application.answers["assessment_visit"] == "housebound"
    assert texts(taken)[0] == rule_says(catalog, CARD, "home-assessment", proxy=True)


def test_an_option_named_in_the_question_that_led_to_the_offer_is_offered_once_the_application_starts(
    catalog: Catalog,
) -> None:
    asked = talk(catalog, "你好", "我的残疾证丢了，想补办")
    offer = last(asked).state.pending
    assert isinstance(offer, Offer)

    for agreeing in (("是", "给我自己申请"), ("给我自己",)):  # a yes, or a yes that answers the first question
        started = last(then(catalog, asked, *agreeing))

        proposal = started.state.pending
        assert isinstance(proposal, Proposal), agreeing
        assert proposal.value == "reissue"  # 补办, from the question, not asked again
