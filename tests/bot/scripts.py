"""Whole conversations as a resident would type them, shared by the pipeline and end-to-end tests."""

from __future__ import annotations

ID_NUMBER = "11010519491231002X"
CARD_NUMBER = ID_NUMBER + "42"
PHONE = "13812345678"
PROXY_PHONE = "13900001111"

LIVING_ALLOWANCE_FOR_MYSELF: tuple[str, ...] = (
    "你好",
    "我想申请生活补贴",
    "给我自己",
    "有",
    "在领低保",
    "都没有",
    "张三",
    ID_NUMBER,
    CARD_NUMBER,
    "柳北",
    PHONE,
)
CONFIRM = "是"

NURSING_ALLOWANCE_FOR_MY_MOTHER: tuple[str, ...] = (
    "护理补贴",
    "替家里人申请",
    "我是她女儿",
    "李明",
    PROXY_PHONE,
    "有",
    "肢体一级",
    "需要",
    "都没有",
    "王芳",
    ID_NUMBER,
    CARD_NUMBER.replace("42", "41"),
    "三江",
)
