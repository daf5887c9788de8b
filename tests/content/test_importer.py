"""Importing a teacher's term list: CSV, TSV, Quizlet and Anki exports; every problem with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

import content
from bot.core.lookup import TermIndex
from content.importer import (
    MAX_BYTES,
    MAX_DEFINITION,
    MAX_PROBLEMS,
    MAX_TERM,
    MAX_TERMS,
    ImportedTerm,
    ImportProblems,
    Problem,
    build_imported_deck,
    parse_term_file,
)
from content.text import compact

DATA = Path(__file__).parents[1] / "data" / "imports"


def parse(text: str, filename: str = "") -> list[ImportedTerm]:
    return parse_term_file(text.encode(), filename)


def problems(data: str | bytes, filename: str = "") -> list[Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(ImportProblems) as info:
        parse_term_file(raw, filename)
    return info.value.problems


def pairs(terms: list[ImportedTerm]) -> list[tuple[int, str, str]]:
    return [(t.line, t.name, t.definition) for t in terms]


# --- accepted files --------------------------------------------------------------------------------

VALID = [
    pytest.param(
        "term,definition\nCRM,Customer relationship management.\nNPS,Net Promoter Score.\n",
        "",
        [(2, "CRM", "Customer relationship management."), (3, "NPS", "Net Promoter Score.")],
        id="csv",
    ),
    pytest.param(
        "\ufeffTerm , DEFINITION \nCRM,Customer relationship management.\n",
        "terms.csv",
        [(2, "CRM", "Customer relationship management.")],
        id="csv-bom-header-case-and-spaces",
    ),
    pytest.param(
        'term,definition\nUpsell,"Selling more, or better, to the same customer."\n',
        "",
        [(2, "Upsell", "Selling more, or better, to the same customer.")],
        id="csv-quoted-commas",
    ),
    pytest.param(
        'term,definition\n"The ""customer is king"" rule","Say ""yes"" first."\n',
        "",
        [(2, 'The "customer is king" rule', 'Say "yes" first.')],
        id="csv-doubled-quotes",
    ),
    pytest.param(
        'term,definition\nA,"one\ntwo\n\nthree"\nB,after\n',
        "",
        [(2, "A", "one\ntwo\n\nthree"), (6, "B", "after")],
        id="csv-multiline-definition",
    ),
    pytest.param(
        'term;definition\nLoyalty;Coming back, again.\nCRM;"Software; and habits"\n',
        "x.csv",
        [(2, "Loyalty", "Coming back, again."), (3, "CRM", "Software; and habits")],
        id="semicolon-csv",
    ),
    pytest.param(
        'term,definition\r\nA,first\r\nB,"two\r\nlines"\r\nC,third\r\n',
        "",
        [(2, "A", "first"), (3, "B", "two\nlines"), (5, "C", "third")],
        id="csv-crlf",
    ),
    pytest.param("term,definition\rA,first\rB,second\r", "", [(2, "A", "first"), (3, "B", "second")], id="csv-cr"),
    pytest.param(
        "term,definition,,\nA,first,,\n\n\nB,second\n",
        "",
        [(2, "A", "first"), (5, "B", "second")],
        id="csv-empty-columns-and-blank-lines",
    ),
    pytest.param(
        "CRM\tCustomer relationship management.\nNPS\tNet Promoter Score.\n",
        "",
        [(1, "CRM", "Customer relationship management."), (2, "NPS", "Net Promoter Score.")],
        id="tsv-detected-by-tab",
    ),
    pytest.param(
        "term\tdefinition\nCRM\tCustomer relationship management.\n",
        "",
        [(2, "CRM", "Customer relationship management.")],
        id="tsv-with-header",
    ),
    pytest.param(
        '\n\nQuote\t"The customer is always right" — or not.\n\nCRM\tSoftware.\tlater\tcolumns\n',
        "set.txt",
        [(3, "Quote", '"The customer is always right" — or not.'), (5, "CRM", "Software.")],
        id="quizlet-quotes-are-text-extra-columns-ignored",
    ),
    pytest.param(
        "A\tfirst\r\nB\tsecond\r\n",
        "a.tsv",
        [(1, "A", "first"), (2, "B", "second")],
        id="tsv-crlf",
    ),
    pytest.param(
        "#separator:tab\n#html:true\n#tags column:3\nEmpathy\tSeeing it <b>their</b> way.<br>Not pity.\tweek1\n"
        "R&amp;D\t<div>One</div><div>Two&nbsp;&lt;3&gt;</div>\t\n",
        "",
        [(4, "Empathy", "Seeing it their way.\nNot pity."), (5, "R&D", "One\nTwo <3>")],
        id="anki-headers-and-html",
    ),
    pytest.param(
        "Tip\tfirst line<br />second line\n",
        "",
        [(1, "Tip", "first line\nsecond line")],
        id="html-without-anki-header",
    ),
    pytest.param(
        '#separator:Semicolon\n#html:false\nA;"two\nlines"\nB;x\n',
        "",
        [(3, "A", "two\nlines"), (5, "B", "x")],
        id="anki-semicolon-quoted-multiline",
    ),
]


@pytest.mark.parametrize(("text", "filename", "expected"), VALID)
def test_valid_files(text, filename, expected):
    assert pairs(parse(text, filename)) == expected


def test_csv_optional_columns():
    text = (
        "example,topic,aliases,definition,term\n"
        "I bought it again.,Retention,loyalty; Loyal customers | brand loyalty,Coming back.,Customer loyalty\n"
        ",,,Plain.,Plain term\n"
    )
    first, second = parse(text)
    assert first == ImportedTerm(
        2,
        "Customer loyalty",
        "Coming back.",
        ("loyalty", "Loyal customers", "brand loyalty"),
        "Retention",
        "I bought it again.",
    )
    assert second == ImportedTerm(3, "Plain term", "Plain.")


def test_names_are_trimmed_and_collapsed_but_definitions_keep_their_text():
    [term] = parse(
        'term,definition,aliases,topic\n"  Customer    lifetime\n value ","  Keep  two  spaces. ",'
        '"  C L V ; ",  Big   topic \n'
    )
    assert term.name == "Customer lifetime value"
    assert term.definition == "Keep  two  spaces."
    assert term.aliases == ("C L V",)
    assert term.topic == "Big topic"


def test_alias_equal_to_its_own_name_or_repeated_is_dropped():
    [term] = parse("term,definition,aliases\nCRM,Software.,c.r.m.;CRM system;crm-system\n")
    assert term.aliases == ("CRM system",)


@pytest.mark.parametrize(
    "value",
    [
        "Kundenbindung ❤️ 🇩🇪",
        "عميل مخلص",
        "**bold** _it_ `code` <b>",
        "@everyone @here <@123>",
        "Ünïcødé — “quotes”",
    ],
)
def test_strings_come_back_exactly_as_typed(value):
    [term] = parse(f'term,definition\n"{value}","{value}"\n')
    assert (term.name, term.definition) == (value, value)


def test_sample_files():
    excel = parse_term_file((DATA / "excel_semicolon.csv").read_bytes(), "excel_semicolon.csv")
    assert [(t.line, t.name, t.aliases, t.topic) for t in excel] == [
        (2, "Customer loyalty", ("loyalty",), "Retention"),
        (3, "CRM", ("customer relationship mgmt",), "Data"),
        (5, "Café service", (), None),
    ]
    assert excel[1].definition == "Customer relationship management:\nsoftware and habits."
    quizlet = parse_term_file((DATA / "quizlet.txt").read_bytes(), "quizlet.txt")
    assert [t.name for t in quizlet] == ["Customer loyalty", "NPS", "عميل"]
    anki = parse_term_file((DATA / "anki_notes.txt").read_bytes(), "anki_notes.txt")
    assert pairs(anki) == [
        (6, "Empathy", "Seeing things as the customer does.\nNot sympathy."),
        (7, "Service & care", 'Line one\nLine "two"'),
    ]


def test_utf16_with_bom_is_read_too():
    # Excel's "Unicode Text" export.
    assert pairs(parse_term_file("A\tfirst\r\nB\tsecond\r\n".encode("utf-16"))) == [
        (1, "A", "first"),
        (2, "B", "second"),
    ]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(encoding):
    # Some editors save "Unicode" without the mark; read as UTF-8 it was "t\0e\0r\0m\0...".
    text = "term,definition\nCafé,Un lieu.\n顧客満足,顧客が期待に対して感じる満足の度合い。\n一,One.\n"
    assert pairs(parse_term_file(text.encode(encoding), "x.csv")) == [
        (2, "Café", "Un lieu."),
        (3, "顧客満足", "顧客が期待に対して感じる満足の度合い。"),
        (4, "一", "One."),
    ]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\x00term,definition\x00\x00", id="zip"),
        pytest.param("term,definition\nA,b\n".encode("utf-32-le"), id="utf-32"),
    ],
)
def test_a_file_full_of_nul_bytes_is_refused_without_echoing_them(data):
    # (A stray NUL in UTF-8 text is reported by line as a control character; see PROBLEM_CASES.)
    (found,) = problems(data, "x.csv")
    assert found.line is None and "not UTF-8 text" in found.message and "save it as UTF-8" in found.message
    assert "\x00" not in str(found)


# --- problems --------------------------------------------------------------------------------------

PROBLEM_CASES = [
    pytest.param("term,definition\nA,first\n,no term\n", "", [(3, "the term is empty")], id="empty-term"),
    pytest.param("term,definition\nA,\n", "", [(2, "the definition is empty (term “A”)")], id="empty-definition"),
    pytest.param("A\t   \n", "", [(1, "the definition is empty (term “A”)")], id="tsv-empty-definition"),
    pytest.param(
        'term,definition\nA,"multi\nline\ndefinition"\nB,\n',
        "",
        [(5, "the definition is empty (term “B”)")],
        id="line-after-multiline-record",
    ),
    pytest.param(
        'term,definition\r\nA,"multi\r\nline"\r\n\r\n,x\r\n',
        "",
        [(5, "the term is empty")],
        id="line-after-multiline-record-crlf",
    ),
    pytest.param(
        "term,definition\nCRM,one\nNPS,two\nc.r.m.,three\n",
        "",
        [(4, "“c.r.m.” is already on line 2")],
        id="duplicate-term",
    ),
    pytest.param(
        "Customer-Centric\tone\n\ncustomer centric!\ttwo\n",
        "",
        [(3, "“customer centric!” is already on line 1")],
        id="duplicate-term-tsv",
    ),
    pytest.param(
        "term,definition,aliases\nCustomer loyalty,one,\nRetention,two,Customer Loyalty\n",
        "",
        [(3, "the alias “Customer Loyalty” is the name of the term on line 2")],
        id="alias-is-another-name",
    ),
    pytest.param(
        "term,definition,aliases\nA,one,CX\nB,two,cx\n",
        "",
        [(3, "the alias “cx” is also an alias on line 2")],
        id="alias-shared",
    ),
    pytest.param(
        "term,definition,colour\nA,one,red\n",
        "",
        [(1, "unknown column “colour” (the columns are term, definition, aliases, topic, example)")],
        id="unknown-column",
    ),
    pytest.param("term,definition,term\nA,b,c\n", "", [(1, "the column “term” appears twice")], id="column-twice"),
    pytest.param(
        "term,meaning\nA,b\n",
        "list.csv",
        [
            (
                1,
                "the first line must name the columns, at least term and definition "
                "(e.g. term,definition,aliases,topic,example); found: term, meaning",
            )
        ],
        id="csv-without-definition-column",
    ),
    pytest.param(
        "CRM,Customer relationship management\n",
        "list.csv",
        [
            (
                1,
                "the first line must name the columns, at least term and definition "
                "(e.g. term,definition,aliases,topic,example); found: crm, customer relationship management",
            )
        ],
        id="csv-without-header",
    ),
    pytest.param(
        "term,definition,\nA,b,stray\n",
        "",
        [(2, "there is text in column 3, which has no name in the header")],
        id="text-under-unnamed-column",
    ),
    pytest.param(
        "term,definition\nUpsell,Selling more, or better, to the same customer.\n",
        "",
        [
            (
                2,
                "this line has 4 fields but the header names 2: a comma inside a term or definition starts a "
                'new field; put that field in double quotes ("Selling more, or better, to a customer")',
            )
        ],
        id="unquoted-commas-reported-once-with-the-fix",
    ),
    pytest.param(
        "term;definition\nLoyalty;Coming back;again\n",
        "",
        [
            (
                2,
                "this line has 3 fields but the header names 2: a semicolon inside a term or definition starts "
                'a new field; put that field in double quotes ("Selling more; or better; to a customer")',
            )
        ],
        id="semicolon-csv-unquoted-semicolon",
    ),
    pytest.param(
        "A\tfirst\nno tab here\nC\tthird\n",
        "",
        [
            (
                2,
                "no tab between term and definition (in Quizlet, export with “Tab” between term and definition; "
                "or upload a CSV file with a header row)",
            )
        ],
        id="tsv-line-without-tab",
    ),
    pytest.param(
        'term,definition\nA,"never closed\nB,b\n',
        "",
        [(2, 'a quote (") opened in this record is never closed')],
        id="unclosed-quote",
    ),
    pytest.param(
        'term,definition\nA,"quoted" then text\nB,\n',
        "",
        [
            (2, 'text follows a closing quote; inside a quoted field, write each quote twice ("")'),
            (3, "the definition is empty (term “B”)"),
        ],
        id="text-after-quote-then-more",
    ),
    pytest.param(
        "term,definition\nA\x07,b\nB,c\x00d\n",
        "",
        [
            (2, "the term contains a control character (U+0007); remove it"),
            (3, "the definition contains a control character (U+0000); remove it"),
        ],
        id="control-characters",
    ),
    pytest.param(
        "term,definition\n!!!,b\n",
        "",
        [(2, "the term “!!!” needs at least one letter or digit")],
        id="term-without-letters",
    ),
    pytest.param(
        "term,definition\n" + "x" * (MAX_TERM + 1) + ",b\n",
        "",
        [(2, f"the term is {MAX_TERM + 1} characters long; the limit is {MAX_TERM}")],
        id="term-too-long",
    ),
    pytest.param(
        "A\t" + "y" * (MAX_DEFINITION + 1) + "\n",
        "",
        [(1, f"the definition is {MAX_DEFINITION + 1:,} characters long; the limit is {MAX_DEFINITION:,}")],
        id="definition-too-long",
    ),
    pytest.param(
        "term,definition,example,topic,aliases\nA,b," + "e" * 501 + "," + "t" * 61 + "," + "a" * 101 + "\n",
        "",
        [
            (2, "the alias is 101 characters long; the limit is 100"),
            (2, "the example is 501 characters long; the limit is 500"),
            (2, "the topic is 61 characters long; the limit is 60"),
        ],
        id="other-fields-too-long",
    ),
    pytest.param("", "", [(None, "the file is empty")], id="empty-file"),
    pytest.param("\ufeff \n\n", "", [(None, "the file is empty")], id="blank-file"),
    pytest.param("term,definition\n\n", "", [(None, "the file has no terms")], id="header-only"),
    pytest.param("#separator:tab\n#html:true\n", "", [(None, "the file has no terms")], id="anki-headers-only"),
    pytest.param(
        "Just some notes\nabout customers.\n",
        "notes",
        [
            (
                None,
                "this is neither of the two formats: a CSV file whose first line names the columns "
                "(term,definition and optionally aliases,topic,example), or a text file with one "
                "term<TAB>definition per line (Quizlet and Anki export this)",
            )
        ],
        id="unknown-format",
    ),
]


@pytest.mark.parametrize(("text", "filename", "expected"), PROBLEM_CASES)
def test_problems_name_the_line(text, filename, expected):
    assert [(p.line, p.message) for p in problems(text, filename)] == expected


def test_problems_from_one_file_are_all_reported_in_line_order():
    found = problems("term,definition\nA,\n,b\nC,c\nc,d\n")
    assert [str(p) for p in found] == [
        "line 2: the definition is empty (term “A”)",
        "line 3: the term is empty",
        "line 5: “c” is already on line 4",
    ]


def test_error_text_is_a_short_summary():
    with pytest.raises(ImportProblems) as info:
        parse("term,definition\n" + "".join(f"T{i},\n" for i in range(5)))
    assert str(info.value).startswith("5 problems: line 2: the definition is empty (term “T0”); line 3:")
    assert str(info.value).endswith("(and 2 more)")
    assert isinstance(info.value, ValueError)


def test_problem_str():
    assert str(Problem(7, "the definition is empty")) == "line 7: the definition is empty"
    assert str(Problem(None, "the file is empty")) == "the file is empty"


def test_the_check_stops_after_many_problems():
    found = problems("term,definition\n" + "".join(f"T{i},\n" for i in range(500)))
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == Problem(None, f"and more: the check stops after {MAX_PROBLEMS} problems")


def test_too_big_is_refused_before_decoding():
    found = problems(b"\xff" * (MAX_BYTES + 1))
    assert found == [
        Problem(None, f"the file is {MAX_BYTES + 1:,} bytes; the limit is {MAX_BYTES:,} (about 1 MB)")
    ]


def test_not_utf8():
    found = problems("term,definition\nCafé,b\n".encode("cp1252"), "x.csv")
    assert found == [
        Problem(
            None,
            "the file is not UTF-8 text (the first odd byte is on line 2): "
            "save it as UTF-8 (“CSV UTF-8” in Excel) and upload it again",
        )
    ]


def test_exactly_max_terms_is_accepted_and_one_more_is_refused():
    lines = [f"Term number {i}\tDefinition {i}." for i in range(MAX_TERMS + 1)]
    assert len(parse("\n".join(lines[:MAX_TERMS]))) == MAX_TERMS
    assert problems("\n".join(lines)) == [
        Problem(None, f"the file has {MAX_TERMS + 1:,} terms; the limit is 2,000 per deck")
    ]


def test_duplicates_compare_like_lookup_does():
    # Two names the lookup would confuse are refused; names in other scripts are not all "equal".
    found = problems("follow up\ta\nFollow-Up\tb\n")
    assert found == [Problem(2, "“Follow-Up” is already on line 1")]
    assert compact("follow up") == compact("Follow-Up")
    assert [t.name for t in parse("عميل\ta\nزبون\tb\n客户\tc\n")] == ["عميل", "زبون", "客户"]


# --- building a deck -------------------------------------------------------------------------------


def imported(deck_id: int = 7, name: str = "Week 3") -> content.Deck:
    text = (
        "term,definition,aliases,topic,example\n"
        "Customer loyalty,Coming back.,loyalty,Retention,I came back.\n"
        "CRM,Customer relationship management.,,Data,\n"
        "C R M 2,A tricky name.,,Data,\n"
        "Ca-fé,Coffee.,,,\n"
        "Cafe service,Coffee served.,,,\n"
    )
    return build_imported_deck(deck_id, name, parse(text))


def test_built_deck_ids_and_topics():
    deck = imported()
    assert {t.id for t in deck.terms} == {
        "d7-customer-loyalty",
        "d7-crm",
        "d7-c-r-m-2",
        "d7-ca-fe",
        "d7-cafe-service",
    }
    assert [(t.id, t.name) for t in deck.topics] == [
        ("d7-retention", "Retention"),
        ("d7-data", "Data"),
        ("d7-week-3", "Week 3"),
    ]
    assert [t.name for t in deck.terms_in("d7-data")] == ["C R M 2", "CRM"]
    assert [t.name for t in deck.terms_in("d7-week-3")] == ["Ca-fé", "Cafe service"]
    loyalty = deck.get("d7-customer-loyalty")
    assert (loyalty.aliases, loyalty.example, deck.topic_name(loyalty.topic)) == (
        ("loyalty",),
        "I came back.",
        "Retention",
    )
    assert [t.name for t in deck.terms] == sorted((t.name for t in deck.terms), key=str.casefold)
    assert deck.name == "Week 3"


def test_built_ids_are_stable():
    assert imported() == imported()
    assert [t.id for t in imported(8).terms] == [t.id.replace("d7-", "d8-") for t in imported(7).terms]


def test_repeated_slugs_get_numbers_in_file_order_and_never_take_another_terms_slug():
    terms = [
        ImportedTerm(1, "CRM", "a"),
        ImportedTerm(2, "crm 客户", "b"),  # slug crm as well
        ImportedTerm(3, "crm 2", "c"),  # its own slug is crm-2
        ImportedTerm(4, "客户", "d"),  # no Latin letters: slug "term"
        ImportedTerm(5, "关系", "e"),
        ImportedTerm(6, "x" * 300, "f"),
    ]
    deck = build_imported_deck(1, "Deck", terms)
    ids = {t.name: t.id for t in deck.terms}
    assert ids["CRM"] == "d1-crm"
    assert ids["crm 客户"] == "d1-crm-3"
    assert ids["crm 2"] == "d1-crm-2"
    assert (ids["客户"], ids["关系"]) == ("d1-term", "d1-term-2")
    assert len(ids["x" * 300]) <= 45
    assert len(set(ids.values())) == len(terms)


def test_topics_group_case_insensitively_and_keep_the_first_spelling():
    terms = [ImportedTerm(1, "A", "a", topic="Data & CRM"), ImportedTerm(2, "B", "b", topic="data and crm")]
    deck = build_imported_deck(2, "D", terms)
    assert [t.name for t in deck.topics] == ["Data & CRM"]
    assert {t.topic for t in deck.terms} == {deck.topics[0].id}


def test_imported_deck_merges_with_the_builtin_one():
    builtin = content.load_deck()
    merged = content.Deck.merged("Server", [builtin, imported(1), imported(2, "Week 4")])
    term_ids = [t.id for t in merged.terms]
    topic_ids = [t.id for t in merged.topics]
    assert len(term_ids) == len(set(term_ids)) == len(builtin.terms) + 10
    assert len(topic_ids) == len(set(topic_ids))
    assert merged.get("d2-crm").name == "CRM"
    assert merged.get("customer-lifetime-value") == builtin.get("customer-lifetime-value")
    assert merged.topic_name("d2-week-4") == "Week 4"
    index = TermIndex(imported().terms)
    assert index.exact("customer loyalty").id == "d7-customer-loyalty"
    assert index.exact("LOYALTY").id == "d7-customer-loyalty"
