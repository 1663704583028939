"""`<id:name>`: a row id in a URL, within the range of the database's integer columns.

Werkzeug's `<id:...>` accepts any number of digits, and PostgreSQL refuses to compare an
`integer` column with 2**31 or more (an error, not "no row"); out of range is simply not found.
"""

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column


class IdConverter(BaseConverter):
    regex = r"[0-9]{1,19}"  # longer runs of digits match no rule at all: a 404
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()  # this rule does not match: a 404 unless another does
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]
