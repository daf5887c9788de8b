"""CSV exports: a BOM for spreadsheets, formula-looking cells neutralised, streamed line by line."""

from __future__ import annotations

import csv
import io

from bot.core.export import BOM, csv_lines, safe_cell


def test_cells_a_spreadsheet_would_run_get_an_apostrophe():
    for text in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", '=HYPERLINK("http://x","y")'):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Customer loyalty") == "Customer loyalty"
    assert safe_cell(42) == 42 and safe_cell(-3) == -3 and safe_cell(0.5) == 0.5
    assert safe_cell(None) == "" and safe_cell(True) == "yes"


def test_the_file_starts_with_a_bom_and_reads_back_as_csv():
    lines = list(csv_lines(["student", "answer"], [["alice", "=cmd|' /C calc'!A0"], ["bob", 'a, "quoted" b']]))
    assert lines[0].startswith(BOM) and len(lines) == 3
    text = "".join(lines)
    parsed = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert parsed == [["student", "answer"], ["alice", "'=cmd|' /C calc'!A0"], ["bob", 'a, "quoted" b']]


def test_rows_are_produced_lazily():
    def rows():
        yield ["a"]
        raise AssertionError("the second row must not be read before it is asked for")

    lines = csv_lines(["h"], rows())
    assert next(lines).endswith("h\r\n") and next(lines) == "a\r\n"
