"""A seat layout as a grid to draw: decks, rows, columns and what stands in each place."""

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.fleet.models import LayoutSeat, SeatLayout


@dataclass(frozen=True)
class GridPlace:
    deck: int
    row: int
    col: int
    label: str
    kind: str  # seat | blocked | driver | luggage
    seat_class: str


@dataclass(frozen=True)
class Grid:
    decks: int
    rows: int
    columns: int
    places: tuple[GridPlace, ...]


def layout_grid(layout_id: int) -> Grid:
    """The layout as drawn: its size and every place in it, in reading order."""
    decks, rows, columns = db.session.execute(
        select(SeatLayout.decks, SeatLayout.rows, SeatLayout.columns).where(
            SeatLayout.id == layout_id
        )
    ).one()
    places = db.session.execute(
        select(
            LayoutSeat.deck,
            LayoutSeat.row,
            LayoutSeat.col,
            LayoutSeat.label,
            LayoutSeat.is_luggage,
            LayoutSeat.is_blocked,
            LayoutSeat.seat_class,
        )
        .where(LayoutSeat.layout_id == layout_id)
        .order_by(LayoutSeat.deck, LayoutSeat.row, LayoutSeat.col)
    )
    return Grid(
        decks,
        rows,
        columns,
        tuple(
            GridPlace(deck, row, col, label, _kind(label, luggage, blocked), seat_class)
            for deck, row, col, label, luggage, blocked, seat_class in places
        ),
    )


def _kind(label: str, is_luggage: bool, is_blocked: bool) -> str:
    if is_luggage:
        return "luggage"
    if is_blocked:
        return "driver" if label.lstrip("U").startswith("DRV") else "blocked"
    return "seat"
