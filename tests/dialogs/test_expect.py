"""The phrases speech recognition listens for: a short list where the answer is one of a few."""

from __future__ import annotations

from dialogs.expect import expected_phrases
from dialogs.pending import Proposal
from dialogs.schema import Catalog
from dialogs.state import Conversation
from tests.dialogs.conversation import LIVING, MENU_PATH, last, talk


def test_at_the_menu_it_listens_for_the_options_their_numbers_and_the_commands(catalog: Catalog) -> None:
    phrases = expected_phrases(last(talk(catalog, "你好")).state, catalog)

    assert phrases is not None
    labels_and_names = {"申请补贴", "困难残疾人生活补贴", "护理补贴", "残疾人证手续"}
    assert labels_and_names | {"一", "第五个", "转人工", "重复"} <= set(phrases)
    assert len(phrases) == len(set(phrases))


def test_at_a_choice_it_listens_for_the_options_and_their_other_words(catalog: Catalog) -> None:
    phrases = expected_phrases(last(talk(catalog, "你好", *MENU_PATH[LIVING])).state, catalog)

    assert phrases is not None
    assert {"给我自己申请", "自己", "替家里人或者别人申请", "一", "二"} <= set(phrases)


def test_at_a_yes_no_question_it_listens_for_yes_and_no(catalog: Catalog) -> None:
    phrases = expected_phrases(last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请")).state, catalog)

    assert phrases is not None
    assert {"有", "没有", "是", "不是"} <= set(phrases)


def test_at_the_district_question_it_listens_for_the_ten_districts(catalog: Catalog) -> None:
    answers = (
        "你好",
        *MENU_PATH[LIVING],
        "给我自己申请",
        "有",
        "在领低保",
        "都没有",
        "张三",
        "11010519491231002X",
        "11010519491231002X42",
    )
    phrases = expected_phrases(last(talk(catalog, *answers)).state, catalog)

    assert phrases is not None
    assert {"柳江区", "柳江", "三江侗族自治县", "三江"} <= set(phrases)


def test_an_open_answer_like_a_name_or_an_id_number_is_recognised_freely(catalog: Catalog) -> None:
    at_name = last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "有", "在领低保", "都没有")).state
    at_id = last(talk(catalog, "张三", state=at_name)).state

    assert expected_phrases(at_name, catalog) is None
    assert expected_phrases(at_id, catalog) is None


def test_a_stored_application_for_a_removed_service_is_recognised_freely(catalog: Catalog) -> None:
    stored = Conversation.from_dict({"application": {"service": "gone", "application_id": "x", "step": "y"}})
    assert expected_phrases(stored, catalog) is None


def test_at_an_answer_offered_from_before_it_listens_for_yes_no_and_the_questions_own_options(
    catalog: Catalog,
) -> None:
    state = last(talk(catalog, "你好", "1", "1", "帮我爸爸申请，我是他女儿")).state
    assert isinstance(state.pending, Proposal)

    phrases = expected_phrases(state, catalog)

    assert phrases is not None
    assert {"是", "不是", "对", "子女", "女儿", "配偶"} <= set(phrases)


def test_at_a_weak_guess_it_listens_for_yes_no_the_guess_and_something_else(catalog: Catalog) -> None:
    phrases = expected_phrases(last(talk(catalog, "你好", "辅据")).state, catalog)

    assert phrases is not None
    assert {"是", "不是", "一", "二", "配辅具", "都不是，说别的事", "别的事"} <= set(phrases)
