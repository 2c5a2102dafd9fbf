"""Who the resident is to the person applied for, from how they speak of that person."""

from __future__ import annotations

import pytest

from dialogs.relations import relation_in


@pytest.mark.parametrize(
    ("said", "role", "heard"),
    [
        ("帮我爸爸申请，我是他女儿", "子女", "我是他女儿"),
        ("我是她老伴", "配偶", "我是她老伴"),
        ("我孙女要申请，我是她奶奶", "其他亲属", "我是她奶奶"),
        ("我是社区的", "其他", "我是社区"),
        ("我是孩子的妈妈", "父母", "我是孩子的妈妈"),
        ("她闺女", "子女", "她闺女"),  # said alone to "您是残疾人本人的什么人？", "我是" left out
        ("他儿子呀", "子女", "他儿子呀"),
    ],
)
def test_the_residents_own_role_said_outright_wins(said: str, role: str, heard: str) -> None:
    relation = relation_in(said)

    assert relation is not None
    assert (relation.role, relation.heard, relation.outright) == (role, heard, True)


@pytest.mark.parametrize(
    ("said", "role"),
    [
        ("替我妈申请", "子女"),
        ("我想给我爸爸申请", "子女"),
        ("给我家娃申请", "父母"),
        ("帮我儿子申请", "父母"),
        ("我老公腿不好", "配偶"),
        ("替我弟弟申请", "其他亲属"),
        ("我想给女儿申请助学", "父母"),
        ("帮老妈问问护理补贴", "子女"),
    ],
)
def test_the_person_named_tells_the_role_the_other_way_round(said: str, role: str) -> None:
    relation = relation_in(said)

    assert relation is not None
    assert relation.role == role
    assert not relation.outright


@pytest.mark.parametrize("said", ["给我自己申请", "本人", "有", "我家里领低保", "柳北区"])
def test_no_person_named_is_no_relation(said: str) -> None:
    assert relation_in(said) is None
