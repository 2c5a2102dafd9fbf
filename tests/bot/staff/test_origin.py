"""Which browser requests count as coming from the staff console's own origin."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.staff.origin import is_cross_origin


def _cross(headers: dict[str, str], host: str = "staff.example.gov.cn") -> bool:
    return is_cross_origin(make_mocked_request("POST", "/staff/api/logout", headers={"Host": host, **headers}))


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://staff.example.gov.cn", "staff.example.gov.cn"),
        ("https://staff.example.gov.cn", "staff.example.gov.cn:443"),
        ("http://staff.example.gov.cn", "staff.example.gov.cn:80"),
        ("https://STAFF.example.gov.cn", "staff.example.gov.cn"),
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("http://[::1]:8080", "[::1]:8080"),
    ],
)
def test_an_origin_naming_the_requested_host_is_the_same_origin(origin: str, host: str) -> None:
    assert not _cross({"Origin": origin}, host)


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://staff.example.gov.cn:8443",
        "https://sub.staff.example.gov.cn",
        "null",
        "file://",
        "ftp://staff.example.gov.cn",
        "https://staff.example.gov.cn:99999",
        "",
    ],
)
def test_any_other_origin_is_cross_origin(origin: str) -> None:
    assert _cross({"Origin": origin})


def test_fetch_metadata_decides_when_the_browser_sends_it() -> None:
    assert not _cross({"Sec-Fetch-Site": "same-origin", "Origin": "https://elsewhere.example"})
    assert _cross({"Sec-Fetch-Site": "same-site", "Origin": "https://staff.example.gov.cn"})
    assert not _cross({"Sec-Fetch-Site": "none"})


def test_a_request_without_either_header_is_no_browsers() -> None:
    assert not _cross({})
