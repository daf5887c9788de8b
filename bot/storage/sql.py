"""One SQL text for both engines: statements are written with `?` placeholders (SQLite's style),
and PostgreSQL gets them numbered (`$1`, `$2` ...) here, once per statement text."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """`?` placeholders as `$1`, `$2` ..., leaving quoted strings, identifiers and comments alone."""
    out: list[str] = []
    number = 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):  # a quoted string or identifier; a doubled quote stays inside it
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif c == "?":
            number += 1
            out.append(f"${number}")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)
