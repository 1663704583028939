"""What every admin list shares: reading filters from the query string (bad input is a 422,
never a 500), keyset paging on a descending id (no OFFSET; a page is one bounded query), and
CSV exports streamed row by row from a server-side cursor."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response, request, stream_with_context
from sqlalchemy import Select

from webapp import clock
from webapp.errors import ValidationError
from webapp.extensions import db

PAGE_SIZE = 50
EXPORT_BATCH = 1000
LARGEST_ID = 2**31 - 1  # ids are 32-bit integers in both databases


def arg_int(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10 or int(raw) > LARGEST_ID:
        raise ValidationError(f"“{name}” must be a whole number, at most {LARGEST_ID}.")
    return int(raw)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # day bounds stay representable


def arg_date(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    return parse_day(name, raw) if raw else None


def parse_day(name: str, raw: str) -> date:
    """A day written 2026-12-01, between 2000 and 2999 (a day at the edge of what a datetime
    holds would overflow when turned into the instants bounding it); anything else is a 422."""
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"“{name}” must be a date like 2026-12-01.")
    return day


def arg_choice(name: str, choices: Iterable[str]) -> str | None:
    raw = request.args.get(name, "").strip().upper()
    if not raw:
        return None
    if raw not in set(choices):
        raise ValidationError(f"“{name}” is not one we know.")
    return raw


def arg_text(name: str, longest: int = 120) -> str:
    return " ".join(request.args.get(name, "").split())[:longest]


def day_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants bounding the Lagos days `first`..`last` (either may be open)."""
    start = clock.lagos_day_bounds(first)[0] if first else None
    end = clock.lagos_day_bounds(last)[1] if last else None
    if start and end and end <= start:
        raise ValidationError("The first day must not be after the last.")
    return start, end


def in_days(stmt: Select, column: Any, first: date | None, last: date | None) -> Select:
    """`stmt` limited to rows whose `column` falls on the Lagos days `first`..`last`."""
    start, end = day_range(first, last)
    if start:
        stmt = stmt.where(column >= start)
    if end:
        stmt = stmt.where(column < end)
    return stmt


@dataclass
class Page:
    rows: list[Any]
    next_after: int | None


def keyset_page(stmt: Select, id_column: Any, id_of: Callable[[Any], int]) -> Page:
    """One page of `stmt`, newest first, after the `after` cursor of the query string."""
    after = arg_int("after")
    if after is not None:
        stmt = stmt.where(id_column < after)
    rows = list(db.session.scalars(stmt.order_by(id_column.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows, id_of(rows[-1]) if more else None)


def csv_response(
    filename: str, header: list[str], stmt: Select, id_column: Any, row: Callable[[Any], list]
) -> Response:
    """The whole filtered list as CSV, generated batch by batch by keyset (memory stays flat)."""

    def batches() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        yield out.getvalue()
        after: int | None = None
        while True:
            batch = stmt if after is None else stmt.where(id_column < after)
            items = list(db.session.scalars(batch.order_by(id_column.desc()).limit(EXPORT_BATCH)))
            if not items:
                return
            out.seek(0)
            out.truncate()
            for item in items:
                writer.writerow([_csv_safe(value) for value in row(item)])
            yield out.getvalue()
            after = items[-1].id
            db.session.expunge_all()

    return Response(
        stream_with_context(batches()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_safe(value: object) -> object:
    """A cell that a spreadsheet would run as a formula is quoted as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def args_without(*names: str) -> dict[str, str]:
    """The current filters, less some (for the next-page and export links)."""
    return {k: v for k, v in request.args.items() if k not in names and v}
