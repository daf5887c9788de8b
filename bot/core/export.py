"""CSV files a teacher opens in a spreadsheet: UTF-8 with a byte-order mark, formula-safe cells.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula, so a student who types `=HYPERLINK(...)` as an answer could run
one on the teacher's machine. Such cells get a leading apostrophe, which spreadsheets show as
text. Numbers stay numbers. Rows are produced one at a time, so a large export is never held in
memory as a whole. No I/O.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell value a spreadsheet shows as it is and never runs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class CsvWriter:
    """CSV text a line at a time, every cell made safe: `start()` is the BOM and the header, then
    `line(cells)` per row. For rows that arrive in batches (a member's answers at a time)."""

    def __init__(self, header: Sequence[str]) -> None:
        self.header = header
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def line(self, cells: Sequence[object]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([safe_cell(c) for c in cells])
        return self._buffer.getvalue()

    def start(self) -> str:
        return BOM + self.line(self.header)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text, a line at a time: the BOM and header first, every cell made safe."""
    writer = CsvWriter(header)
    yield writer.start()
    for row in rows:
        yield writer.line(row)
