"""What is heard at once stays short: long lists of choices come a few at a time, and in voice and
simple modes the closing of an application is read one part per message, "要听下一项吗？" between."""

from __future__ import annotations

from dialogs.events import StepResult
from dialogs.pending import ReadBack, Reading
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    LIVING,
    NURSING,
    PROXY_ANSWERS,
    SELF_ANSWERS,
    all_cases,
    ask,
    fill,
    last,
    prompt,
    step_options,
    texts,
    then,
)

VOICE = ("你好", "语音模式")
SIMPLE = ("你好", "简单模式")


def _at_relationship(catalog: Catalog) -> list[StepResult]:
    return fill(catalog, NURSING, {"applicant": "替家里人申请"})


def test_a_list_of_six_is_heard_as_four_and_a_fifth_option_for_the_rest(catalog: Catalog) -> None:
    results = _at_relationship(catalog)

    assert last(results).replies[-1].options == ("子女", "父母", "配偶", "其他亲属", "其他选项")
    assert step_options(catalog, NURSING, "relationship") == last(results).replies[-1].options


def test_the_rest_of_the_list_is_asked_when_wanted_and_numbers_choose_on_the_part_heard(catalog: Catalog) -> None:
    results = then(catalog, _at_relationship(catalog), "其他选项")

    assert last(results).replies[-1].options == ("监护人", "其他")
    assert texts(last(results))[0] == ask(catalog, NURSING, "relationship", proxy=True)

    results = then(catalog, results, "1")

    assert last(results).state.application is not None
    assert last(results).state.application.answers["relationship"] == "guardian"


def test_the_number_five_on_the_first_part_asks_for_the_rest(catalog: Catalog) -> None:
    results = then(catalog, _at_relationship(catalog), "5")

    assert last(results).replies[-1].options == ("监护人", "其他")


def test_an_option_not_yet_heard_is_chosen_by_its_words(catalog: Catalog) -> None:
    results = then(catalog, _at_relationship(catalog), "我是他的监护人")

    assert last(results).state.application is not None
    assert last(results).state.application.answers["relationship"] == "guardian"


def test_a_number_beyond_the_part_heard_is_not_an_option(catalog: Catalog) -> None:
    results = then(catalog, _at_relationship(catalog), "6")

    assert "请说一到五之间的数字" in texts(last(results))[0]
    assert "relationship" not in (last(results).state.application.answers if last(results).state.application else {})


def _closing(catalog: Catalog, opening: tuple[str, ...], service: str = LIVING) -> list[StepResult]:
    """Fill ``service`` in the mode chosen by ``opening`` (numbers read back are confirmed) and say yes."""
    answers = SELF_ANSWERS[service]
    results = fill(catalog, service, answers, opening=opening)
    for _ in range(30):
        state = last(results).state
        if state.application is None or state.application.phase != "asking":
            break
        reading_back = isinstance(state.pending, ReadBack)
        results = then(catalog, results, "对" if reading_back else answers[state.application.step])
    return then(catalog, results, "是")


def test_in_voice_mode_the_closing_comes_one_document_at_a_time(catalog: Catalog) -> None:
    results = _closing(catalog, VOICE)
    service = catalog.services[LIVING]

    assert len(all_cases(results)) == 1
    first = texts(last(results))
    assert first[0].startswith("已经帮您提交了")
    assert first[1] == prompt(catalog, "documents_intro") + prompt(
        catalog, "document_item", number="一", item=service.documents[0]
    )
    assert first[2] == prompt(catalog, "next_item")
    assert isinstance(last(results).state.pending, Reading)

    results = then(catalog, results, "好的")

    assert texts(last(results)) == [
        prompt(catalog, "document_item", number="二", item=service.documents[1]),
        prompt(catalog, "next_item"),
    ]


def test_every_part_of_the_closing_is_heard_in_turn_and_then_it_ends(catalog: Catalog) -> None:
    results = _closing(catalog, VOICE)
    service = catalog.services[LIVING]
    parts = len(service.documents) + (service.where is not None) + (service.next_steps is not None)

    results = then(catalog, results, *["要"] * (parts - 1))

    assert texts(last(results))[-1] == prompt(catalog, "reading_done")
    assert last(results).state.pending is None
    heard = [t for r in results for t in texts(r)]
    assert service.where is not None
    assert service.where.text in heard


def test_repeat_says_the_same_part_again(catalog: Catalog) -> None:
    results = then(catalog, _closing(catalog, VOICE), "要")

    again = then(catalog, results, "重复")

    assert texts(last(again)) == texts(last(results))
    assert isinstance(last(again).state.pending, Reading)


def test_no_stops_the_reading_kindly(catalog: Catalog) -> None:
    results = then(catalog, _closing(catalog, VOICE), "不用了")

    assert texts(last(results)) == [prompt(catalog, "reading_stopped")]
    assert last(results).state.pending is None  # nothing more is read


def test_anything_else_is_taken_as_the_next_request(catalog: Catalog) -> None:
    results = then(catalog, _closing(catalog, VOICE), "我还想申请护理补贴")

    assert last(results).state.application is not None
    assert last(results).state.application.service == NURSING


def test_simple_mode_reads_the_closing_in_parts_too(catalog: Catalog) -> None:
    results = _closing(catalog, SIMPLE)

    assert isinstance(last(results).state.pending, Reading)
    assert texts(last(results))[-1] == prompt(catalog, "next_item", mode="simple")


def test_text_mode_shows_the_whole_closing_at_once(catalog: Catalog) -> None:
    results = _closing(catalog, ("你好",))

    assert last(results).state.pending is None
    assert last(results).replies[1].items == catalog.services[LIVING].documents


def test_heard_the_question_which_answer_to_change_names_no_dozen_options(catalog: Catalog) -> None:
    answers = PROXY_ANSWERS[NURSING]
    results = fill(catalog, NURSING, answers, opening=SIMPLE)
    assert last(results).state.application is not None
    assert last(results).state.application.phase == "confirming"

    results = then(catalog, results, "不对")

    assert texts(last(results)) == [prompt(catalog, "which_to_correct", mode="simple")]
    assert last(results).replies[-1].options == ()
