"""An answer to a later question said early is kept (issue 12): acknowledged, the question asked again
without counting a failure, and offered for a yes when its own question comes."""

from __future__ import annotations

import pytest

from dialogs.events import StepResult
from dialogs.pending import Proposal
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    NURSING,
    PROXY_ANSWERS,
    PROXY_ID,
    PROXY_PHONE,
    SELF_ANSWERS,
    ask,
    current_step,
    fill,
    last,
    prompt,
    said,
    talk,
    then,
)


def at(catalog: Catalog, step_id: str, *, proxy: bool = True) -> list[StepResult]:
    """The usual answers up to ``step_id``, which is then asked."""
    answers = (PROXY_ANSWERS if proxy else SELF_ANSWERS)[NURSING]
    results = fill(catalog, NURSING, {k: v for k, v in answers.items() if k != step_id})
    assert current_step(last(results).state) == step_id, said(last(results))
    return results


def answered_until(
    catalog: Catalog, results: list[StepResult], step_id: str, *, proxy: bool = True
) -> list[StepResult]:
    answers = (PROXY_ANSWERS if proxy else SELF_ANSWERS)[NURSING]
    while current_step(last(results).state) != step_id and not isinstance(last(results).state.pending, Proposal):
        results = then(catalog, results, answers[str(current_step(last(results).state))])
    return results


def test_the_persons_name_said_at_the_phone_question_is_kept_and_the_phone_asked_again(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "proxy_phone"), "我爸叫刘建国"))

    assert said(result) == "\n".join(
        [prompt(catalog, "later_answer_kept", label="残疾人姓名"), ask(catalog, NURSING, "proxy_phone", proxy=True)]
    )
    assert current_step(result.state) == "proxy_phone"
    assert result.state.misunderstood == 0


def test_a_kept_name_is_offered_for_a_yes_when_its_question_comes(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "proxy_phone"), "我爸叫刘建国", PROXY_PHONE)
    results = answered_until(catalog, results, "name")

    offered = last(results)
    assert offered.state.pending == Proposal("name", "刘建国", "我爸叫刘建国")
    assert "残疾人姓名是刘建国，对吗？" in said(offered)
    taken = last(then(catalog, results, "是"))
    assert taken.state.application is not None
    assert taken.state.application.answers["name"] == "刘建国"
    assert current_step(taken.state) == "id_number"


def test_a_kept_answer_declined_asks_its_question_itself(catalog: Catalog) -> None:
    results = answered_until(catalog, then(catalog, at(catalog, "proxy_phone"), "我爸叫刘建国", PROXY_PHONE), "name")

    result = last(then(catalog, results, "不是"))

    assert said(result) == ask(catalog, NURSING, "name", proxy=True)


@pytest.mark.parametrize(
    ("early", "kept_for"),
    [
        pytest.param("户口在柳北区", "district", id="a-district"),
        pytest.param(PROXY_PHONE, "proxy_phone", id="a-phone-number"),
        pytest.param("我叫李四", "proxy_name", id="the-speakers-own-name"),
    ],
)
def test_a_clear_answer_to_any_open_later_question_is_kept(catalog: Catalog, early: str, kept_for: str) -> None:
    result = last(then(catalog, at(catalog, "relationship"), early))

    application = result.state.application
    assert application is not None
    assert kept_for in application.held
    assert current_step(result.state) == "relationship"
    assert result.state.misunderstood == 0


def test_the_speakers_own_name_is_not_kept_as_the_persons_name(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "proxy_phone"), "我叫李四"))

    application = result.state.application
    assert application is not None
    assert "name" not in application.held  # "我叫…" at a proxy application is the speaker; that is answered


def test_a_number_at_a_list_question_chooses_an_option_and_is_never_kept_as_a_later_answer(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "relationship"), "6"))

    application = result.state.application
    assert application is not None
    assert application.held == {}


def test_something_that_answers_no_open_question_still_counts_as_not_understood(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "proxy_phone"), "今天天气不错"))

    assert result.state.misunderstood == 1


def test_applying_for_oneself_the_speakers_own_name_is_the_name_asked_for_later(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "long_term_care", proxy=False), "我叫张三"))

    application = result.state.application
    assert application is not None
    assert application.held["name"]["value"] == "张三"
    assert current_step(result.state) == "long_term_care"


def test_a_number_said_with_the_answer_to_a_choice_is_kept_beside_it(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "relationship"), f"我是她儿子，我妈身份证号是{PROXY_ID}"))

    application = result.state.application
    assert application is not None
    assert application.answers["relationship"] == "child"
    assert application.held["id_number"]["value"] == PROXY_ID
    assert said(result).startswith(prompt(catalog, "later_answer_kept", label="身份证号码"))


def test_a_choice_said_by_its_number_keeps_nothing_beside_it(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "relationship"), "1"))

    application = result.state.application
    assert application is not None
    assert application.held == {}


def test_half_of_the_category_and_level_said_early_is_kept_as_half_and_counts_no_failure(catalog: Catalog) -> None:
    result = last(then(catalog, at(catalog, "relationship"), "她是智力残疾"))

    application = result.state.application
    assert application is not None
    assert application.partial["disability"] == {"category": 5, "level": None}
    assert said(result).startswith(prompt(catalog, "later_answer_kept", label="智力"))
    assert current_step(result.state) == "relationship"
    assert result.state.misunderstood == 0


def test_half_said_at_the_question_itself_asked_is_kept_the_same_way(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "relationship"), "不是")
    assert current_step(last(results).state) == "relationship"
    assert last(results).state.pending is None

    result = last(then(catalog, results, "肢体"))

    application = result.state.application
    assert application is not None
    assert application.partial["disability"] == {"category": 4, "level": None}
    assert said(result).startswith(prompt(catalog, "later_answer_kept", label="肢体"))
    assert ask(catalog, NURSING, "relationship", proxy=True) in said(result)
    assert result.state.misunderstood == 0


def test_the_other_half_said_early_too_makes_a_whole_answer_offered_when_its_question_comes(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "relationship"), "智力", "一级")

    application = last(results).state.application
    assert application is not None
    assert application.held["disability"]["value"] == {"category": 5, "level": 1}
    assert "disability" not in application.partial
    assert last(results).state.misunderstood == 0
    results = answered_until(catalog, then(catalog, results, "子女"), "disability")
    assert isinstance(last(results).state.pending, Proposal)
    taken = last(then(catalog, results, "是")).state.application
    assert taken is not None
    assert taken.answers["disability"] == {"category": 5, "level": 1}


def test_a_half_kept_early_needs_only_the_other_half_when_its_question_comes(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "relationship"), "智力", "子女")
    results = answered_until(catalog, results, "disability")
    assert current_step(last(results).state) == "disability"

    taken = last(then(catalog, results, "一级")).state.application

    assert taken is not None
    assert taken.answers["disability"] == {"category": 5, "level": 1}


def test_a_later_answer_at_an_offered_answer_keeps_it_and_offers_the_same_again(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")
    offered = last(results).state.pending
    assert isinstance(offered, Proposal)
    assert offered.step == "relationship"

    result = last(then(catalog, results, "她叫王桂兰"))

    application = result.state.application
    assert application is not None
    assert application.held["name"]["value"] == "王桂兰"
    assert result.state.pending == offered
    assert said(result) == "\n".join([prompt(catalog, "later_answer_kept", label="残疾人姓名"), said(last(results))])
    assert result.state.misunderstood == 0


def test_a_fact_said_early_about_a_later_choice_is_remembered_and_offered_when_its_question_comes(
    catalog: Catalog,
) -> None:
    results = talk(catalog, "你好", "我想帮我爸申请生活补贴", "是", "我是他儿子")
    assert current_step(last(results).state) == "proxy_name"

    kept = last(then(catalog, results, "家里领低保"))

    assert said(kept).startswith(prompt(catalog, "later_answer_kept", label="低保情况"))
    assert kept.state.misunderstood == 0
    assert current_step(kept.state) == "proxy_name"
    results = then(catalog, [*results, kept], "刘明", PROXY_PHONE, "有")
    assert last(results).state.pending == Proposal("dibao", "receiving", "家里领低保")


def test_a_question_that_hangs_on_an_answer_still_to_come_may_be_answered_early(catalog: Catalog) -> None:
    disability = catalog.services["home-accessibility"].step("disability")  # asked only with a card

    assert disability.may_apply({})
    assert disability.may_apply({"has_card": True})
    assert not disability.may_apply({"has_card": False})


def test_a_new_value_said_for_a_kept_answer_replaces_it(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "proxy_phone"), "户口在柳北区")

    result = last(then(catalog, results, "区错了，是柳南区"))

    application = result.state.application
    assert application is not None
    assert application.held["district"]["display"] == "柳南区"
    assert result.state.misunderstood == 0


def test_the_same_kept_answer_said_again_is_no_news_and_counts_as_not_understood(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "proxy_phone"), "户口在柳北区")

    result = last(then(catalog, results, "户口在柳北区"))

    assert result.state.misunderstood == 1


def test_going_back_at_an_offered_answer_goes_to_the_question_before_it(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")
    assert isinstance(last(results).state.pending, Proposal)  # "您和残疾人本人的关系是子女，对吗？"

    back = last(then(catalog, results, "上一步"))

    assert back.state.pending is None
    assert current_step(back.state) == "applicant"
    assert said(back).startswith(ask(catalog, NURSING, "applicant"))


def test_an_option_of_another_question_said_at_a_name_question_is_not_taken_as_a_name(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想找律师", "替我妈", "是")
    assert current_step(last(results).state) == "proxy_name"

    result = last(then(catalog, results, "财产"))

    assert current_step(result.state) == "proxy_name"
    assert result.state.application is not None
    assert "proxy_name" not in result.state.application.answers


@pytest.mark.parametrize(("said", "years"), [("他8岁", 8), ("他今年十二", 12), ("她七十多了", 70), ("三个月大", 0)])
def test_an_age_said_as_one_is_kept_for_the_age_question(catalog: Catalog, said: str, years: int) -> None:
    results = talk(catalog, "你好", "我想给我儿子配个轮椅", "是")
    assert isinstance(last(results).state.pending, Proposal)  # the relationship, offered from "我儿子"

    result = last(then(catalog, results, said))

    application = result.state.application
    assert application is not None
    assert application.held["age"]["value"] == years
    assert result.state.misunderstood == 0


def test_a_bare_number_is_never_kept_as_an_age(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想给我儿子配个轮椅", "是", "不是")
    assert current_step(last(results).state) == "relationship"

    result = last(then(catalog, results, "8"))

    application = result.state.application
    assert application is not None
    assert "age" not in application.held


def test_something_that_answers_nothing_at_an_offered_answer_keeps_the_offer_open(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")
    offered = last(results).state.pending
    assert isinstance(offered, Proposal)

    missed = last(then(catalog, results, "今天天气不错"))

    assert missed.state.pending == offered
    assert missed.state.misunderstood == 1
    taken = last(then(catalog, [*results, missed], "对")).state.application
    assert taken is not None
    assert taken.answers["relationship"] == offered.value


def test_a_fact_joined_by_its_shi_is_no_yes_to_an_offered_answer(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")
    offered = last(results).state.pending
    assert isinstance(offered, Proposal)  # "您和残疾人本人的关系是子女，对吗？"

    result = last(then(catalog, results, "她是听力二级"))

    application = result.state.application
    assert application is not None
    assert "relationship" not in application.answers  # "她是……" is about the disability, not a yes
    assert application.held["disability"]["value"] == {"category": 2, "level": 2}
    assert result.state.pending == offered


def test_the_offered_fact_said_back_with_its_shi_is_taken_as_the_answer(catalog: Catalog) -> None:
    results = then(catalog, at(catalog, "relationship"), "她是听力二级", "对")
    results = answered_until(catalog, results, "disability")
    assert isinstance(last(results).state.pending, Proposal)

    taken = last(then(catalog, results, "是听力二级")).state.application

    assert taken is not None
    assert taken.answers["disability"] == {"category": 2, "level": 2}


def test_a_fact_no_question_keeps_is_still_no_yes_to_an_offered_answer(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我儿子考上大学了，有没有助学的补助", "是")
    offered = last(results).state.pending
    assert isinstance(offered, Proposal)
    assert offered.step == "relationship"

    result = last(then(catalog, results, "他是听力二级"))

    application = result.state.application
    assert application is not None
    assert "relationship" not in application.answers
    assert result.state.pending == offered
    assert result.state.misunderstood == 1


@pytest.mark.parametrize("has", ["有证", "没有证", "没证"])
def test_what_someone_has_is_no_yes_or_no_to_an_offered_answer(catalog: Catalog, has: str) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")
    offered = last(results).state.pending
    assert isinstance(offered, Proposal)  # "您和残疾人本人的关系是子女，对吗？"

    result = last(then(catalog, results, has))

    application = result.state.application
    assert application is not None
    assert "relationship" not in application.answers  # "有证" says she has a card, not that 子女 is right
    assert result.state.pending == offered
    assert current_step(result.state) == "relationship"


def test_a_card_said_the_everyday_way_at_an_offered_answer_is_kept_for_the_card_question(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")

    kept = last(then(catalog, results, "她有残疾证"))

    assert said(kept).startswith(prompt(catalog, "later_answer_kept", label="有没有残疾人证"))
    assert kept.state.pending == last(results).state.pending
    results = then(catalog, [*results, kept], "对", "刘明", PROXY_PHONE)
    assert last(results).state.pending == Proposal("has_card", True, "她有残疾证")


def test_a_yes_that_goes_on_to_say_what_someone_has_is_still_a_yes(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")

    taken = last(then(catalog, results, "对，有证")).state.application

    assert taken is not None
    assert taken.answers["relationship"] == "child"


@pytest.mark.parametrize(("words", "has"), [("有证", True), ("没有证", False)])
def test_having_a_card_said_at_another_question_is_kept_for_the_card_question(
    catalog: Catalog, words: str, has: bool
) -> None:
    results = talk(catalog, "你好", "我想给我儿子配个轮椅", "是", "对", "轮椅")
    assert current_step(last(results).state) == "age"

    kept = last(then(catalog, results, words))

    assert said(kept).startswith(prompt(catalog, "later_answer_kept", label="有没有残疾人证"))
    assert kept.state.misunderstood == 0
    offered = last(then(catalog, [*results, kept], "8岁")).state.pending
    assert offered == Proposal("has_card", has, words)


@pytest.mark.parametrize("fact", ["听力二级", "我是肢体一级", "我今年45岁"])
def test_a_fact_the_application_asks_nothing_about_is_noted_for_staff_not_counted_as_a_miss(
    catalog: Catalog, fact: str
) -> None:
    results = talk(catalog, "你好", "我想申请法律援助", "给我自己", "工资", "老板欠了三个月工资")
    asked = current_step(last(results).state)

    noted = last(then(catalog, results, fact))

    assert said(noted).startswith(prompt(catalog, "fact_for_staff"))
    assert current_step(noted.state) == asked
    assert noted.state.misunderstood == 0
    assert any(turn.who == "resident" and turn.text == fact for turn in noted.state.transcript)  # staff read it


def test_a_fact_the_application_does_ask_about_is_kept_for_its_question_not_only_noted(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是")

    kept = last(then(catalog, results, "她是听力二级"))

    assert not said(kept).startswith(prompt(catalog, "fact_for_staff"))


def test_a_fact_joined_by_its_shi_is_no_yes_to_a_yes_no_question(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想申请法律援助", "给我自己", "工资", "老板欠了三个月工资")
    assert current_step(last(results).state) == "urgent"  # "这件事有没有很急的期限？"

    result = last(then(catalog, results, "我是肢体一级"))

    application = result.state.application
    assert application is not None
    assert "urgent" not in application.answers
    assert current_step(result.state) == "urgent"


def test_an_answer_to_a_later_question_in_the_opening_request_is_offered_when_its_question_comes(
    catalog: Catalog,
) -> None:
    results = talk(catalog, "你好", "我孩子三岁，不会说话，医生说是自闭症")
    application = last(results).state.application
    assert application is not None
    assert application.held["child_age"]["value"] == 3
    assert "name" not in application.held  # "是自闭症" names no one

    results = then(catalog, results, "对", "对")  # for the child, and as a parent

    assert last(results).state.pending == Proposal("child_age", 3, "我孩子三岁")


def test_an_expired_card_said_before_the_matter_is_asked_is_offered_as_its_renewal(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想问问残疾证的事")
    assert current_step(last(results).state) == "applicant"

    kept = last(then(catalog, results, "我的残疾证过期了"))

    assert said(kept).startswith(prompt(catalog, "later_answer_kept", label="要办的事"))
    assert kept.state.misunderstood == 0
    offered = last(then(catalog, [*results, kept], "给我自己申请")).state.pending
    assert offered == Proposal("matter", "renew", "我的残疾证过期了")


def test_an_age_said_as_a_guess_between_two_is_asked_which_then_taken(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想给我儿子配个轮椅", "是", "对", "轮椅")
    assert current_step(last(results).state) == "age"

    asked = last(then(catalog, results, "他五六岁"))

    assert said(asked).startswith("是5岁，还是6岁？")
    assert current_step(asked.state) == "age"
    answered = last(then(catalog, [*results, asked], "六岁"))
    assert current_step(answered.state) != "age"
    assert answered.state.application is not None
    assert answered.state.application.answers["age"] == 6


def test_each_clause_of_a_message_keeps_its_own_answer_for_later(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请生活补贴", "是")
    assert current_step(last(results).state) == "relationship"

    kept = last(then(catalog, results, "她叫韦秀英，身份证450225196003150020"))

    application = kept.state.application
    assert application is not None
    assert application.held["name"]["value"] == "韦秀英"
    assert application.held["id_number"]["value"] == "450225196003150020"
    assert said(kept).startswith(prompt(catalog, "later_answer_kept", label="残疾人姓名、身份证号码"))
    assert kept.state.misunderstood == 0


def test_a_clause_answers_the_question_asked_and_the_others_are_kept_beside_it(catalog: Catalog) -> None:
    results = talk(
        catalog, "你好", "我想帮我妈申请生活补贴", "是", "对", "黄丽", PROXY_PHONE, "有", "在领低保", "都没有"
    )
    assert current_step(last(results).state) == "name"

    answered = last(then(catalog, results, "韦秀英，身份证450225196003150020"))

    application = answered.state.application
    assert application is not None
    assert application.answers["name"] == "韦秀英"
    # The ID question comes next and offers what was said at once, with no "等会儿再跟您确认" first.
    assert answered.state.pending == Proposal("id_number", "450225196003150020", "身份证450225196003150020")
    assert not said(answered).startswith(prompt(catalog, "later_answer_kept", label="身份证号码"))


def test_a_yes_said_with_a_fact_for_the_next_question_answers_both(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是", "对", "黄丽", PROXY_PHONE)
    assert current_step(last(results).state) == "has_card"

    answered = last(then(catalog, results, "有，她是视力一级"))

    application = answered.state.application
    assert application is not None
    assert application.answers["has_card"] is True
    assert answered.state.pending == Proposal("disability", {"category": 1, "level": 1}, "她是视力一级")


def test_an_answer_said_again_at_another_question_is_acknowledged_not_missed(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我儿子是自闭症，五岁，想问问康复", "是", "对", "对")
    asked = current_step(last(results).state)
    assert last(results).state.application is not None
    assert last(results).state.application.answers["child_age"] == 5

    again = last(then(catalog, results, "5岁"))

    assert said(again).startswith(prompt(catalog, "already_answered", label="孩子的年龄", value="5岁"))
    assert current_step(again.state) == asked
    assert again.state.misunderstood == 0


def test_an_answered_question_given_a_new_value_without_saying_wrong_is_not_taken_as_the_same(
    catalog: Catalog,
) -> None:
    results = talk(catalog, "你好", "我儿子是自闭症，五岁，想问问康复", "是", "对", "对")

    other = last(then(catalog, results, "6岁"))

    assert not said(other).startswith("好的，孩子的年龄已经记下了")
    assert other.state.application is not None
    assert other.state.application.answers["child_age"] == 5


@pytest.mark.parametrize("words", ["是自己家的房子", "她是我们村的", "房子是他自己的"])
def test_a_sentence_with_shi_names_nobody(catalog: Catalog, words: str) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请生活补贴", "是")

    result = last(then(catalog, results, words))

    assert result.state.application is not None
    assert "name" not in result.state.application.held


def test_a_name_said_of_the_person_with_shi_is_kept(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请生活补贴", "是")

    result = last(then(catalog, results, "她是韦秀英"))

    assert result.state.application is not None
    assert result.state.application.held["name"]["value"] == "韦秀英"


def test_a_topic_said_beside_a_kept_answer_is_offered_at_its_question(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我老公坐轮椅，家里厕所进不去，想改造一下", "是", "对")

    kept = then(catalog, results, "他是肢体一级，有证", "对")

    assert current_step(last(kept).state) == "has_card"
    assert last(kept).state.pending == Proposal("has_card", True, "有证")


@pytest.mark.parametrize("fact", ["听力三级", "我是柳北区的"])
def test_a_fact_said_before_anything_was_asked_for_is_no_miss(catalog: Catalog, fact: str) -> None:
    result = last(talk(catalog, "你好", fact))

    assert said(result).startswith(prompt(catalog, "fact_before_request"))
    assert result.state.misunderstood == 0
    assert result.state.application is None


def test_only_a_first_clause_or_one_that_says_so_is_taken_as_a_name(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想给女儿申请助学", "对", "对")
    assert current_step(last(results).state) == "proxy_name"

    told = last(then(catalog, results, "她17岁，上高二"))  # "上高二" could be a name: it is not said as one

    assert told.state.application is not None
    assert "proxy_name" not in told.state.application.answers
    assert said(told).startswith(prompt(catalog, "fact_for_staff"))  # the age, where no question asks it


def test_an_option_named_again_at_another_question_is_acknowledged(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我奶奶耳朵背，想配个助听器", "是", "我是她孙子", "对")
    assert current_step(last(results).state) == "age"

    again = last(then(catalog, results, "助听器"))

    assert said(again).startswith(prompt(catalog, "already_answered", label="想配的辅具", value="助听器"))
    assert again.state.misunderstood == 0
    assert current_step(again.state) == "age"


def test_who_one_is_said_again_is_acknowledged_except_where_a_name_is_asked(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我儿子有精神病，想问问社区有没有康复", "是", "对")
    assert current_step(last(results).state) == "age"

    again = last(then(catalog, results, "我是他妈"))

    assert said(again).startswith(prompt(catalog, "already_answered", label="您和残疾人本人的关系", value="父母"))
    assert again.state.misunderstood == 0
