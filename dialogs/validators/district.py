"""Liuzhou's ten county-level divisions."""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import lazy_pinyin

from dialogs.validators.numbers import answer_number
from dialogs.validators.result import Invalid, Valid, ValidationResult
from dialogs.validators.text import normalize


@dataclass(frozen=True)
class District:
    """A county-level division; ``short`` is how people say it and how a spoken list reads it."""

    code: str
    name: str
    short: str
    aliases: tuple[str, ...] = ()


# In the order callers list them, so "2" means 鱼峰区.
DISTRICTS: tuple[District, ...] = (
    District("450202", "城中区", "城中"),
    District("450203", "鱼峰区", "鱼峰"),
    District("450204", "柳南区", "柳南"),
    District("450205", "柳北区", "柳北"),
    District("450206", "柳江区", "柳江", ("柳江县",)),  # a county until 2016; many still say 柳江县
    District("450222", "柳城县", "柳城"),
    District("450223", "鹿寨县", "鹿寨"),
    District("450224", "融安县", "融安"),
    District("450225", "融水苗族自治县", "融水", ("融水县", "融水自治县")),
    District("450226", "三江侗族自治县", "三江", ("三江县", "三江自治县")),
)

_UNKNOWN = "district_unknown"
_SEVERAL = "district_several"
_NAMES = {alias: district for district in DISTRICTS for alias in (district.name, district.short, *district.aliases)}
_LONGEST_NAME = max(map(len, _NAMES))
_SHORT_PINYIN = {tuple(lazy_pinyin(district.short)): district for district in DISTRICTS}
# Sound matching is for a short answer the recogniser misspelt (路寨, 容安); not for long text.
_LONGEST_PINYIN_ANSWER = 40


def _named(text: str) -> set[District]:
    """Districts named in ``text``, reading leftmost-longest so "柳城中学" is 柳城, not 城中."""
    found: set[District] = set()
    index = 0
    while index < len(text):
        for size in range(min(_LONGEST_NAME, len(text) - index), 1, -1):
            district = _NAMES.get(text[index : index + size])
            if district is not None:
                found.add(district)
                index += size
                break
        else:
            index += 1
    return found


def _sounded(text: str) -> set[District]:
    if len(text) > _LONGEST_PINYIN_ANSWER:
        return set()
    syllables: list[str] = lazy_pinyin(text)
    return {
        district
        for start in range(len(syllables) - 1)
        if (district := _SHORT_PINYIN.get((syllables[start], syllables[start + 1]))) is not None
    }


def parse_district(text: str) -> ValidationResult:
    """A district or county by name, short name, old name, or its number in ``DISTRICTS``."""
    answer = normalize(text)
    found = _named(answer) or _sounded(answer)
    if len(found) > 1:
        return Invalid(_SEVERAL)
    if not found:
        number = answer_number(answer)
        if number is None or not 1 <= number <= len(DISTRICTS):
            return Invalid(_UNKNOWN)
        found = {DISTRICTS[number - 1]}
    (district,) = found
    return Valid(value={"code": district.code, "name": district.name}, display=district.name)
