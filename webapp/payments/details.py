"""Reading what a passenger types at checkout: names, phone numbers, a contact e-mail."""

from dataclasses import dataclass

import bleach

from webapp.errors import ValidationError
from webapp.phones import EXAMPLE, normalise_phone


@dataclass(frozen=True)
class PassengerDetails:
    label: str
    name: str
    phone: str


def clean_name(raw: object) -> str:
    text = bleach.clean(str(raw or ""), tags=set(), strip=True)
    return " ".join(text.split())


def read_passengers(
    seat_labels: list[str], entries: dict[str, tuple[object, object]]
) -> list[PassengerDetails]:
    """One passenger per seat of the booking; every problem reported against its field."""
    errors: dict[str, str] = {}
    unknown = sorted(set(entries) - set(seat_labels))
    if unknown:
        raise ValidationError(
            f"This booking has no seat {', '.join(unknown)}.", details={"passengers": unknown}
        )
    passengers = []
    for label in seat_labels:
        raw_name, raw_phone = entries.get(label, (None, None))
        name = clean_name(raw_name)
        phone = normalise_phone(raw_phone)
        if not 2 <= len(name) <= 120:
            errors[f"name-{label}"] = f"Enter the name of the passenger in seat {label}."
        if phone is None:
            errors[f"phone-{label}"] = f"Enter a phone number for seat {label}, like {EXAMPLE}."
        passengers.append(PassengerDetails(label, name, phone or ""))
    if errors:
        raise ValidationError("Please check the passenger details.", details=errors)
    return passengers
