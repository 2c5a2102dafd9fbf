"""A request for a person in the resident's own words: "我要找个活人问问", "有没有真人", "叫工作人员来".

The command list holds set phrases ("转人工"); people also ask in free phrasing, and such a message must
never be read as the yes of a yes/no question because it contains "要". A word for a person counts when a
request verb comes right before it ("找个活人", "转人工", "有没有真人"); a plain "人" only with what is
to be done with them ("找个人问问", "跟人说"), so "要人照顾" stays a description of care. Saying one is
such a person ("我是社区工作人员") or refusing one ("不用找人工") is not a request, nor is a story
("我昨天去社区找工作人员问了护理补贴的事"): the request ends the message, with at most a few words after it
("问问", "帮我填一下") and none that tell of the past (了, 过).
"""

from __future__ import annotations

import re

from dialogs.validators import normalize

_PERSON = r"(?:活人|真人|人工|工作人员|客服|真的人)"
_VERB = r"(?:找|要|转|叫|请|换|接|跟|和|同|有没有|有|来)"
_MEASURE = r"(?:个|一个|位|一位|你们的|你们|一下|下)?"
_ASKS = re.compile(
    rf"(?:{_VERB}){_MEASURE}{_PERSON}|(?:找|叫|请){_MEASURE}人(?:问|说|聊|讲|帮|来|接)|(?:跟|和)(?:个|真)?人(?:说|聊|讲)"
)
_REFUSED = re.compile(r"[不别没甭]|不用|不要|不必")
_REFUSAL_REACH = 2
_AFTER_LIMIT = 6
_PAST = re.compile(r"了|过")
_IS_ONE = re.compile(rf"我是[^，,。]{{0,6}}{_PERSON}")


def asks_for_person(text: str) -> bool:
    said = normalize(text)
    if _IS_ONE.search(said):
        return False
    return any(_is_request(said, match) for match in _ASKS.finditer(said))


def _is_request(said: str, match: re.Match[str]) -> bool:
    after = said[match.end() :]
    if len(after) > _AFTER_LIMIT or _PAST.search(after):
        return False
    return not _REFUSED.search(said[max(0, match.start() - _REFUSAL_REACH) : match.start()])
