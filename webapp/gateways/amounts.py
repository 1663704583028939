"""Exact conversion between our minor units and the gateway's major units (naira)."""

from decimal import Decimal, InvalidOperation

MINOR_PER_MAJOR = 100


def to_major(minor: int) -> str:
    """12345 kobo -> "123.45": a string, so no float ever carries money."""
    return str((Decimal(minor) / MINOR_PER_MAJOR).quantize(Decimal("0.01")))


def to_minor(major: object) -> int:
    """ "123.45", 123.45 or Decimal("123.45") -> 12345; refuses fractions of a kobo.

    Floats are read through their shortest repr ("123.45"), which is what the JSON text said.
    """
    if isinstance(major, bool):
        raise ValueError(f"not an amount: {major!r}")
    try:
        value = Decimal(repr(major)) if isinstance(major, float) else Decimal(str(major))
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {major!r}") from error
    minor = value * MINOR_PER_MAJOR
    if not value.is_finite() or minor != minor.to_integral_value():
        raise ValueError(f"not a whole number of minor units: {major!r}")
    return int(minor)
