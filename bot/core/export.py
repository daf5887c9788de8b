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


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text, a line at a time: the BOM and header first, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(c) for c in cells])
        return buffer.getvalue()

    yield BOM + line(header)
    for row in rows:
        yield line(row)
