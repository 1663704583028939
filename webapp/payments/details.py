"""Reading what a passenger types at checkout: names, phone numbers, a contact e-mail."""

import re
from dataclasses import dataclass

import bleach

from webapp.errors import ValidationError

NIGERIAN_LOCAL = re.compile(r"^0[789][01]\d{8}$")  # 0803 123 4567
INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")  # E.164


@dataclass(frozen=True)
class PassengerDetails:
    label: str
    name: str
    phone: str


def clean_name(raw: object) -> str:
    text = bleach.clean(str(raw or ""), tags=set(), strip=True)
    return " ".join(text.split())


def normalise_phone(raw: object) -> str | None:
    """+2348031234567 for any way a Nigerian number is usually written; other E.164 as is."""
    digits = re.sub(r"[\s\-().]", "", str(raw or ""))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if NIGERIAN_LOCAL.match(digits):
        return "+234" + digits[1:]
    if digits.startswith("234") and not digits.startswith("+"):
        digits = "+" + digits
    return digits if INTERNATIONAL.match(digits) else None


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
            errors[f"phone-{label}"] = (
                f"Enter a phone number for seat {label}, like 0803 123 4567 or +234 803 123 4567."
            )
        passengers.append(PassengerDetails(label, name, phone or ""))
    if errors:
        raise ValidationError("Please check the passenger details.", details=errors)
    return passengers
