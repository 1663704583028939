"""Seat layouts drawn as text, one string per row, so a layout reads like the bus it describes.

Cells: `S` seat, `.` aisle or gap, `X` blocked place, `L` luggage, `D` driver (a blocked place).
Seat labels are the passenger row number and the column letter (`1A`); an upper deck prefixes `U`.
"""

import string
from dataclasses import dataclass

from webapp.errors import ValidationError
from webapp.fleet.models import LayoutSeat, SeatLayout

CELL_KINDS = {"S", ".", "X", "L", "D"}


@dataclass(frozen=True)
class Place:
    label: str
    deck: int
    row: int
    col: int
    is_blocked: bool
    is_luggage: bool


def plan_deck(rows: list[str], deck: int) -> list[Place]:
    """Turn one deck's text rows into places with labels; raises on an unknown cell."""
    width = max(len(row) for row in rows)
    # Columns that never hold a seat are aisles and take no letter: a 2+2 coach is AB CD.
    seat_columns = [c for c in range(width) if any(row[c : c + 1] == "S" for row in rows)]
    letters = {c + 1: string.ascii_uppercase[i] for i, c in enumerate(seat_columns)}
    places: list[Place] = []
    seat_row = 0
    luggage = blocked = 0
    prefix = "U" if deck == 2 else ""
    for grid_row, text in enumerate(rows, start=1):
        unknown = set(text) - CELL_KINDS
        if unknown:
            raise ValidationError(f"Unknown layout cell(s) {sorted(unknown)} in row {grid_row}.")
        if "S" in text:
            seat_row += 1
        for grid_col, cell in enumerate(text.ljust(width, "."), start=1):
            if cell == ".":
                continue
            if cell == "S":
                label = f"{prefix}{seat_row}{letters[grid_col]}"
            elif cell == "L":
                luggage += 1
                label = f"{prefix}L{luggage}"
            else:
                blocked += 1
                label = f"{prefix}{'DRV' if cell == 'D' else 'X'}{blocked}"
            places.append(Place(label, deck, grid_row, grid_col, cell in {"X", "D"}, cell == "L"))
    return places


def build_layout(
    name: str, decks: list[list[str]], *, description: str = "", seat_class: str = "standard"
) -> SeatLayout:
    """A new, unsaved layout with its places; every seat gets `seat_class`."""
    if not 1 <= len(decks) <= 2:
        raise ValidationError("A layout has one or two decks.")
    layout = SeatLayout(
        name=name,
        description=description,
        rows=max(len(rows) for rows in decks),
        columns=max(len(row) for rows in decks for row in rows),
        decks=len(decks),
    )
    for deck_number, rows in enumerate(decks, start=1):
        for place in plan_deck(rows, deck_number):
            layout.seats.append(
                LayoutSeat(
                    label=place.label,
                    deck=place.deck,
                    row=place.row,
                    col=place.col,
                    seat_class=seat_class,
                    is_blocked=place.is_blocked,
                    is_luggage=place.is_luggage,
                )
            )
    return layout
