"""Files a spreadsheet opens safely."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.staff.console.export import to_csv, to_xlsx


def test_csv_starts_with_a_byte_order_mark_for_excel() -> None:
    assert to_csv(["编号"], [[1]]).startswith("\ufeff编号".encode())


def test_cells_that_look_like_formulas_are_written_as_text() -> None:
    body = to_csv(["摘要"], [['=HYPERLINK("x")'], ["-1+2"], ["@SUM(A1)"], ["普通"]]).decode("utf-8-sig")
    assert body.splitlines()[1:] == ['"\'=HYPERLINK(""x"")"', "'-1+2", "'@SUM(A1)", "普通"]
    sheet = load_workbook(io.BytesIO(to_xlsx("t", ["摘要"], [["=1+1"]]))).active
    assert sheet["A2"].value == "'=1+1"
