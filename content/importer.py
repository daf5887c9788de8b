"""Turn an uploaded term list (CSV, or TSV as Quizlet and Anki export it) into content types.

Pure: standard library and the content types only. A file is accepted as a whole or not at all;
every problem names the line where its record starts, so a teacher can fix the file in one go.

    terms = parse_term_file(data, "week3.csv")       # raises ImportProblems
    deck = build_imported_deck(7, "Week 3", terms)    # a content.Deck like the built-in one
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from content.model import Deck, Term, Topic
from content.text import normalize

MAX_BYTES = 1_000_000
MAX_TERMS = 2_000
# Characters. Discord: choice names and select labels <= 100, embed field values <= 1024.
MAX_TERM = 100
MAX_DEFINITION = 1_000
MAX_EXAMPLE = 500
MAX_ALIAS = 100
MAX_TOPIC = 60
MAX_PROBLEMS = 50  # past this the file is probably not a term list at all
SLUG_MAX = 40  # term ids ride in custom_ids (100 characters in all)

COLUMNS = ("term", "definition", "aliases", "topic", "example")
_FIELD_LIMITS = {
    "term": MAX_TERM,
    "definition": MAX_DEFINITION,
    "example": MAX_EXAMPLE,
    "alias": MAX_ALIAS,
    "topic": MAX_TOPIC,
}
_ALIAS_SPLIT = re.compile(r"[;|]")
_ANKI_HEADER = re.compile(
    r"#(separator|html|tags|columns|notetype|deck|notetype column|deck column|tags column|guid column"
    r"|if matches):(.*)",
    re.IGNORECASE,
)
_ANKI_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "colon": ":", "space": " "}
_HTML_HINT = re.compile(r"<br\s*/?>|</?(?:div|p|b|i|u|span)\b[^<>]*>|&(?:nbsp|amp|lt|gt|quot|#\d+);", re.I)
_HTML_BREAK = re.compile(r"<br\s*/?>|</(?:div|p|li)>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_SLUG_CUT = re.compile(r"-[^-]*$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file; line is where the record starts (None: the whole file)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


class ImportProblems(ValueError):
    """The file cannot be imported. `problems` lists every problem found (at most MAX_PROBLEMS + 1)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = len(problems) - 3
        word = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {word}: {shown}" + (f" (and {more} more)" if more > 0 else ""))


@dataclass(frozen=True, slots=True)
class ImportedTerm:
    line: int
    name: str
    definition: str
    aliases: tuple[str, ...] = ()
    topic: str | None = None
    example: str | None = None


class _Stop(Exception):
    """Enough problems collected."""


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.items.append(Problem(line, message))
        if len(self.items) >= MAX_PROBLEMS:
            raise _Stop

    def sorted(self, truncated: bool) -> list[Problem]:
        """Whole-file problems first, then by line (stable, so one line's problems keep their order)."""
        out = sorted(self.items, key=lambda p: (p.line is not None, p.line or 0))
        if truncated:
            out.append(Problem(None, f"and more: the check stops after {MAX_PROBLEMS} problems"))
        return out


@dataclass(slots=True)
class _Record:
    line: int
    fields: dict[str, str]


# --- decoding and format detection ------------------------------------------------------------------


_SAVE_AS_UTF8 = "save it as UTF-8 (“CSV UTF-8” in Excel) and upload it again"


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportProblems(
            [Problem(None, f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (about 1 MB)")]
        )
    # Excel's "Unicode Text" is UTF-16 with a byte order mark: unambiguous, so it is read too.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportProblems(
                [Problem(None, "the file cannot be read as text: save it as UTF-8 and try again")]
            ) from None
    # UTF-16 saved without the mark: read as UTF-8 it would be "t\0e\0r\0m\0...".
    elif b"\x00" not in data or (text := _utf16_without_bom(data)) is None:
        text = _utf8(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf8(data: bytes) -> str:
    # NUL is valid UTF-8 but never in a term list: a few are reported by line as control
    # characters; this many mean a file that is not UTF-8 text at all.
    if data.count(0) * 10 > len(data):
        raise ImportProblems(
            [
                Problem(
                    None,
                    "the file is not UTF-8 text (it is full of NUL bytes: UTF-16 or UTF-32, or not "
                    f"text at all): {_SAVE_AS_UTF8}",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblems(
            [Problem(None, f"the file is not UTF-8 text (the first odd byte is on line {line}): {_SAVE_AS_UTF8}")]
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """`data` as UTF-16 text when its zero bytes say which byte order it is, else None.

    Latin letters, digits, punctuation and line ends have a zero high byte: at odd offsets in
    little-endian, at even ones in big-endian. Other scripts put few zeros on either side, so the
    side with the zeros must clearly dominate; the text must hold no NUL and break into lines or
    fields like a term list.
    """
    if len(data) % 2:
        return None
    chars, even, odd = len(data) // 2, data[0::2].count(0), data[1::2].count(0)
    if odd >= max(2, chars // 4) and odd >= 4 * even:
        encoding = "utf-16-le"
    elif even >= max(2, chars // 4) and even >= 4 * odd:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return text if "\x00" not in text and any(sep in text for sep in "\n\t,;") else None


def _header_cells(line: str, delimiter: str) -> list[str]:
    row = next(csv.reader([line], delimiter=delimiter), [])
    return [cell.strip().casefold() for cell in row]


def _csv_delimiter(line: str) -> str | None:
    """The delimiter that makes `line` a header with term and definition columns, or None."""
    for delimiter in (",", ";", "\t"):
        cells = _header_cells(line, delimiter)
        if "term" in cells and "definition" in cells:
            return delimiter
    return None


def parse_term_file(data: bytes, filename: str = "") -> list[ImportedTerm]:
    """Read a CSV (header term,definition[,aliases,topic,example]) or TSV term list.

    TSV covers Quizlet's and Anki's plain-text exports: term<TAB>definition per line.
    Raises ImportProblems when anything is wrong; all-or-nothing.
    """
    text = _decode(data)
    lines = text.split("\n")
    problems = _Problems()
    truncated = False
    terms: list[ImportedTerm] = []
    try:
        records = _records(text, lines, filename.casefold().strip(), problems)
        terms = _check(records, problems)
    except _Stop:
        truncated = True
    if problems.items:
        raise ImportProblems(problems.sorted(truncated))
    return terms


def _records(text: str, lines: list[str], filename: str, problems: _Problems) -> list[_Record]:
    anki = {}
    first = None  # index of the first line that is neither blank nor an Anki header
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _ANKI_HEADER.fullmatch(line.strip())
        if m and first is None:
            anki[m.group(1).casefold()] = (m.group(2).strip(), i)
            continue
        first = i
        break
    if not text.strip():
        problems.add(None, "the file is empty")
        return []
    if first is None:
        problems.add(None, "the file has no terms")
        return []
    head = lines[first]
    if anki:
        return _anki_records(text, first, anki, problems)
    delimiter = _csv_delimiter(head)
    if delimiter is not None or (filename.endswith(".csv") and "\t" not in head):
        return _csv_records(text, first, delimiter, problems)
    if filename.endswith((".tsv", ".txt")) or "\t" in head:
        return _tsv_records(lines, first, problems)
    problems.add(
        None,
        "this is neither of the two formats: a CSV file whose first line names the columns "
        "(term,definition and optionally aliases,topic,example), or a text file with one "
        "term<TAB>definition per line (Quizlet and Anki export this)",
    )
    return []


def _csv_records(text: str, first: int, delimiter: str | None, problems: _Problems) -> list[_Record]:
    head_line = first + 1
    if delimiter is None:
        found = ", ".join(c for c in _header_cells(text.split("\n")[first], ",") if c)[:100]
        problems.add(
            head_line,
            "the first line must name the columns, at least term and definition "
            f"(e.g. term,definition,aliases,topic,example); found: {found}",
        )
        return []
    # A tab-separated table with a header is read the same way, but without quoting: Quizlet-style
    # text uses quotes as plain characters.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=True)
    rows = _numbered(reader, problems)
    header: list[str] = []
    for start, row in rows:
        if start > first:
            header = [cell.strip().casefold() for cell in row]
            break
    columns: dict[int, str] = {}
    for index, name in enumerate(header):
        if not name:
            continue  # Excel leaves empty columns; text under them is caught below
        if name not in COLUMNS:
            problems.add(head_line, f"unknown column “{name}” (the columns are {', '.join(COLUMNS)})")
        elif name in columns.values():
            problems.add(head_line, f"the column “{name}” appears twice")
        else:
            columns[index] = name
    for needed in ("term", "definition"):
        if needed not in columns.values():
            problems.add(head_line, f"the header has no “{needed}” column")
    records = []
    for start, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        fields = {}
        for index, value in enumerate(row):
            if index in columns:
                fields[columns[index]] = value
        _extra_text(start, row, header, delimiter, quoting, problems)
        records.append(_Record(start, fields))
    return records


def _extra_text(line: int, row: list[str], header: list[str], delimiter: str, quoting: int, problems) -> None:
    """One problem per record for text outside the named columns, saying how to fix it."""
    past = [i for i, value in enumerate(row) if i >= len(header) and value.strip()]
    blank = [i + 1 for i, value in enumerate(row) if i < len(header) and not header[i] and value.strip()]
    if past:
        mark = {",": "comma", ";": "semicolon", "\t": "tab"}.get(delimiter, f"“{delimiter}”")
        fix = (
            f'put that field in double quotes ("Selling more{delimiter} or better{delimiter} to a customer")'
            if quoting != csv.QUOTE_NONE
            else "remove it"
        )
        problems.add(
            line,
            f"this line has {len(row)} fields but the header names {len(header)}: a {mark} inside a term "
            f"or definition starts a new field; {fix}",
        )
    elif blank:
        where = f"column {blank[0]}" if len(blank) == 1 else "columns " + ", ".join(map(str, blank))
        problems.add(line, f"there is text in {where}, which has no name in the header")


def _numbered(reader, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, record) for every record of a csv reader; errors become problems."""
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(last + 1, _csv_message(str(exc)))
        else:
            yield last + 1, row
        last = reader.line_num


def _csv_message(error: str) -> str:
    if "end of data" in error or "field limit" in error:
        return 'a quote (") opened in this record is never closed'
    if "expected after" in error:
        return 'text follows a closing quote; inside a quoted field, write each quote twice ("")'
    return f"this record cannot be read as CSV ({error})"


def _tsv_records(lines: list[str], first: int, problems: _Problems) -> list[_Record]:
    records = []
    html_mode = _HTML_HINT.search("\n".join(lines)) is not None
    for i in range(first, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if "\t" not in line:
            problems.add(
                i + 1,
                "no tab between term and definition (in Quizlet, export with “Tab” between term and "
                "definition; or upload a CSV file with a header row)",
            )
            continue
        term, definition, *_rest = line.split("\t")
        records.append(_Record(i + 1, _html_fields({"term": term, "definition": definition}, html_mode)))
    return records


def _anki_records(text: str, first: int, anki: dict[str, tuple[str, int]], problems: _Problems):
    """Anki's "Notes in Plain Text": `#key:value` lines, then CSV-quoted rows (tab-separated by default)."""
    sep_name, sep_line = anki.get("separator", ("tab", 0))
    delimiter = _ANKI_SEPARATORS.get(sep_name.casefold(), sep_name if len(sep_name) == 1 else None)
    if delimiter is None:
        problems.add(sep_line + 1, f"unknown separator “{sep_name}” (use tab, comma or semicolon)")
        return []
    # Columns Anki puts before the fields (guid, note type, deck) are not the term or definition.
    skip = set()
    for key in ("guid column", "notetype column", "deck column", "tags column"):
        if key in anki and anki[key][0].isdigit():
            skip.add(int(anki[key][0]) - 1)
    html_mode = anki.get("html", ("",))[0].casefold() == "true" or _HTML_HINT.search(text) is not None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    for start, row in _numbered(reader, problems):
        if start <= first or not any(cell.strip() for cell in row):
            continue
        fields = [cell for index, cell in enumerate(row) if index not in skip]
        if len(fields) < 2:
            problems.add(start, "no separator between term and definition")
            continue
        records.append(_Record(start, _html_fields({"term": fields[0], "definition": fields[1]}, html_mode)))
    return records


def _html_fields(fields: dict[str, str], html_mode: bool) -> dict[str, str]:
    return {k: _from_html(v) for k, v in fields.items()} if html_mode else fields


def _from_html(value: str) -> str:
    value = _HTML_BREAK.sub("\n", value)
    value = html.unescape(_HTML_TAG.sub("", value)).replace("\xa0", " ")
    return _BLANK_RUN.sub("\n\n", value)


# --- checking ---------------------------------------------------------------------------------------


def _key(text: str) -> str:
    """Comparison key for names: content.text.compact(), but letters of every script count.

    For Latin text it equals compact() ("C.R.M." = "crm", "Café" = "cafe"); a name in Arabic or
    Chinese keeps its letters instead of folding to "" (which would make every such name "equal").
    """
    text = unicodedata.normalize("NFKD", text.replace("&", " and "))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _control(value: str) -> str | None:
    for ch in value:
        if ch not in "\t\n" and unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _check(records: list[_Record], problems: _Problems) -> list[ImportedTerm]:
    if not records and not problems.items:
        problems.add(None, "the file has no terms")
    if len(records) > MAX_TERMS:
        problems.add(None, f"the file has {len(records):,} terms; the limit is {MAX_TERMS:,} per deck")
    terms: list[ImportedTerm] = []
    for record in records:
        term = _check_record(record, problems)
        if term is not None:
            terms.append(term)
    _check_names(terms, problems)
    return terms


def _field(record: _Record, key: str, problems: _Problems, *, multiline: bool = False) -> tuple[str | None, bool]:
    """The cleaned value (None when empty) and whether it is free of control characters."""
    raw = record.fields.get(key, "")
    value = (raw.strip() if multiline else _one_line(raw)) or None
    if (code := _control(raw)) is not None:
        problems.add(record.line, f"the {key} contains a control character ({code}); remove it")
        return value, False
    return value, True


def _too_long(record: _Record, label: str, value: str | None, limit: int, problems: _Problems) -> bool:
    if value is not None and len(value) > limit:
        problems.add(record.line, f"the {label} is {len(value):,} characters long; the limit is {limit:,}")
        return True
    return False


def _check_record(record: _Record, problems: _Problems) -> ImportedTerm | None:
    line = record.line
    name, ok_name = _field(record, "term", problems)
    definition, ok_definition = _field(record, "definition", problems, multiline=True)
    example, ok_example = _field(record, "example", problems, multiline=True)
    topic, ok_topic = _field(record, "topic", problems)
    raw_aliases, ok_aliases = _field(record, "aliases", problems)
    raw_aliases = raw_aliases or ""
    ok = ok_name and ok_definition and ok_example and ok_topic and ok_aliases
    if name is None:
        problems.add(line, "the term is empty")
        ok = False
    elif not _key(name):
        problems.add(line, f"the term “{name[:MAX_TERM]}” needs at least one letter or digit")
        ok = False
    if definition is None:
        problems.add(line, "the definition is empty" + (f" (term “{name[:MAX_TERM]}”)" if name else ""))
        ok = False
    aliases: list[str] = []
    for alias in (_one_line(a) for a in _ALIAS_SPLIT.split(raw_aliases)):
        if not alias:
            continue
        if not _key(alias):
            problems.add(line, f"the alias “{alias[:MAX_ALIAS]}” needs at least one letter or digit")
            ok = False
        elif _too_long(record, "alias", alias, MAX_ALIAS, problems):
            ok = False
        elif name and _key(alias) != _key(name) and all(_key(alias) != _key(a) for a in aliases):
            aliases.append(alias)  # an alias equal to the name or to another alias adds nothing
    for label, value in (("term", name), ("definition", definition), ("example", example), ("topic", topic)):
        if _too_long(record, label, value, _FIELD_LIMITS[label], problems):
            ok = False
    if topic is not None and not _key(topic):
        problems.add(line, f"the topic “{topic}” needs at least one letter or digit")
        ok = False
    if not ok:
        return None
    return ImportedTerm(line, name, definition, tuple(aliases), topic, example)


def _check_names(terms: list[ImportedTerm], problems: _Problems) -> None:
    """Every name and alias must lead to one term, or /define and answer judging become ambiguous."""
    names: dict[str, ImportedTerm] = {}
    for term in terms:
        key = _key(term.name)
        if key in names:
            problems.add(term.line, f"“{term.name}” is already on line {names[key].line}")
        else:
            names[key] = term
    aliases: dict[str, ImportedTerm] = {}
    for term in terms:
        for alias in term.aliases:
            key = _key(alias)
            other = names.get(key)
            if other is not None and other is not term:
                problems.add(term.line, f"the alias “{alias}” is the name of the term on line {other.line}")
            elif (earlier := aliases.get(key)) is not None and earlier is not term:
                problems.add(term.line, f"the alias “{alias}” is also an alias on line {earlier.line}")
            else:
                aliases.setdefault(key, term)


# --- building a deck --------------------------------------------------------------------------------


def _slug(text: str, fallback: str) -> str:
    # Ids go into custom_ids matched by [a-z0-9-] templates: Latin letters and digits only.
    slug = re.sub(r"[^a-z0-9]+", "-", normalize(text)).strip("-")
    while len(slug) > SLUG_MAX:
        cut = _SLUG_CUT.sub("", slug)
        slug = cut if cut and len(cut) < len(slug) else slug[:SLUG_MAX].rstrip("-")
    return slug or fallback  # a name in another script has no Latin slug


def _unique_ids(prefix: str, labels: Iterable[str], fallback: str) -> list[str]:
    """Stable ids in order: a label's own slug when free, else slug-2, slug-3 ... (never another's own slug)."""
    slugs = [_slug(label, fallback) for label in labels]
    own = set(slugs)
    used: set[str] = set()
    out = []
    for slug in slugs:
        candidate, n = slug, 1
        while candidate in used or (n > 1 and candidate in own):
            n += 1
            candidate = f"{slug}-{n}"
        used.add(candidate)
        out.append(f"{prefix}{candidate}")
    return out


def build_imported_deck(deck_id: int, name: str, terms: Sequence[ImportedTerm]) -> Deck:
    """A Deck whose term ids are f"d{deck_id}-{slug}" and topic ids f"d{deck_id}-{slug}".

    Ids are unique and stable (repeated slugs get -2, -3 ... in file order); terms without a topic
    go into one topic named after the deck. Terms are sorted by name, as in the built-in deck.
    """
    prefix = f"d{deck_id}-"
    default_topic = _one_line(name)[:MAX_TOPIC] or "Imported terms"

    def topic_key(term: ImportedTerm) -> str:
        label = term.topic or default_topic
        return _key(label) or label

    topic_names: dict[str, str] = {}  # key -> name as first written, in file order
    for term in terms:
        topic_names.setdefault(topic_key(term), term.topic or default_topic)
    topic_ids = dict(zip(topic_names, _unique_ids(prefix, topic_names.values(), "topic"), strict=True))
    topics = tuple(Topic(topic_ids[key], label) for key, label in topic_names.items())
    term_ids = _unique_ids(prefix, (t.name for t in terms), "term")
    built = [
        Term(
            id=term_id,
            name=term.name,
            definition=term.definition,
            topic=topic_ids[topic_key(term)],
            aliases=term.aliases,
            example=term.example,
        )
        for term_id, term in zip(term_ids, terms, strict=True)
    ]
    return Deck(name=name, topics=topics, terms=tuple(sorted(built, key=lambda t: t.name.casefold())))
