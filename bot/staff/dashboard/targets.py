"""The city plan's binding targets (柳州市“十四五”残疾人保障和发展规划, 主要指标) that this service's cases
count towards, and how far the cases filed here have come. Only requests made through this service are
counted, so each figure is a part of the city's total, and the page says so."""

from __future__ import annotations

from dataclasses import dataclass

_NOT_COUNTED = frozenset({"duplicate", "answered"})
# The services whose outcomes count towards a target below.
TARGET_SERVICES = ("home-accessibility", "assistive-device", "rehab", "child-rehab", "employment")
Outcomes = dict[tuple[str, str], int]  # (service, outcome) -> cases


@dataclass(frozen=True)
class Progress:
    key: str
    title: str
    goal_text: str  # the plan's words for the goal
    done: int  # approved so far
    goal: int | None  # a number to reach, or None when the goal is a share
    share: float | None  # approved ÷ decided requests, when the goal is a share
    share_goal: float | None
    decided: int
    sentence: str


def _approved(outcomes: Outcomes, services: tuple[str, ...]) -> tuple[int, int]:
    approved = sum(
        count for (service, outcome), count in outcomes.items() if service in services and outcome == "approved"
    )
    decided = sum(
        count for (service, outcome), count in outcomes.items() if service in services and outcome not in _NOT_COUNTED
    )
    return approved, decided


def _count_goal(
    outcomes: Outcomes,
    key: str,
    services: tuple[str, ...],
    title: str,
    goal: int,
    unit: str,
    what: str,
) -> Progress:
    done, decided = _approved(outcomes, services)
    sentence = (
        f"通过本服务申请{what}并已受理或批准的有 {done} {unit}。规划到 2025 年的目标是 {goal} {unit}，"
        f"这里只算通过本服务来的申请，是全市数字的一部分。"
    )
    return Progress(key, title, f"{goal} {unit}", done, goal, None, None, decided, sentence)


def _share_goal(
    outcomes: dict[tuple[str, str], int], key: str, services: tuple[str, ...], title: str, what: str
) -> Progress:
    done, decided = _approved(outcomes, services)
    share = done / decided if decided else None
    if share is None:
        sentence = f"通过本服务申请{what}的，还没有办结的案件。规划目标是有需求的残疾人 85% 得到服务。"
    else:
        sentence = (
            f"通过本服务申请{what}、已经办结的 {decided} 件中，受理或批准了 {done} 件，占 {round(share * 100)}%。"
            f"规划目标是有需求的残疾人 85% 得到服务。"
        )
    return Progress(key, title, "85%", done, None, share, 0.85, decided, sentence)


def progress(outcomes_ever: Outcomes) -> list[Progress]:
    """Where the plan's targets stand, from every case's outcome since the service began."""
    return [
        _count_goal(
            outcomes_ever, "home", ("home-accessibility",), "困难重度残疾人家庭无障碍改造", 3000, "户", "家庭无障碍改造"
        ),
        _share_goal(outcomes_ever, "device", ("assistive-device",), "有需求的残疾人辅助器具适配率", "辅助器具适配"),
        _share_goal(outcomes_ever, "rehab", ("rehab", "child-rehab"), "有需求的残疾人基本康复服务覆盖率", "康复服务"),
        _count_goal(outcomes_ever, "training", ("employment",), "残疾人职业技能培训", 5000, "人", "就业和职业培训"),
    ]
