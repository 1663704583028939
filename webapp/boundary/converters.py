"""`<id:name>`: a row id in a URL, within the range of the database's integer columns.

Werkzeug's `<int:...>` accepts any number of digits, and PostgreSQL refuses to compare an
`integer` column with 2**31 or more (an error, not "no row"); out of range is simply not found.
The range is in the regular expression itself: a value past it matches no rule, so it is a 404
whatever other rules share the path (a converter that refused the value after matching would
make Werkzeug answer 405 when a rule of another method matched first).
"""

from werkzeug.routing import BaseConverter

MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column


def _at_most(limit: str) -> str:
    """A regular expression for the decimal numbers 0..`limit` (leading zeros allowed up to
    `limit`'s length)."""
    width = len(limit)
    shorter = [f"[0-9]{{1,{width - 1}}}"] if width > 1 else []
    same_width = []
    for position, digit in enumerate(limit):
        rest = width - position - 1
        if digit != "0":
            lower = f"[0-{int(digit) - 1}]" if digit != "1" else "0"
            same_width.append(limit[:position] + lower + (f"[0-9]{{{rest}}}" if rest else ""))
    same_width.append(limit)
    return "|".join(shorter + same_width)


class IdConverter(BaseConverter):
    regex = f"(?:{_at_most(str(MAX_ID))})"
    weight = 50

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]
