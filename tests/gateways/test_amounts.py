from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.gateways.amounts import to_major, to_minor


@given(st.integers(min_value=0, max_value=10**15))
def test_minor_to_major_and_back_is_exact(kobo: int) -> None:
    assert to_minor(to_major(kobo)) == kobo


@given(st.integers(min_value=0, max_value=10**13))
def test_json_numbers_read_back_exactly(kobo: int) -> None:
    # The gateway sends amounts as JSON numbers; up to ₦100bn they survive a float exactly.
    assert to_minor(float(to_major(kobo))) == kobo


@pytest.mark.parametrize(
    ("major", "minor"),
    [
        ("30500", 3_050_000),
        ("30500.50", 3_050_050),
        (30500.1, 3_050_010),
        (Decimal("0.01"), 1),
        (7, 700),
    ],
)
def test_major_amounts_in_any_wire_form(major: object, minor: int) -> None:
    assert to_minor(major) == minor


@pytest.mark.parametrize("bad", ["1.005", "abc", "NaN", "Infinity", True, None, 0.001])
def test_fractions_of_a_kobo_and_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^not a"):
        to_minor(bad)


def test_to_major_is_a_two_decimal_string() -> None:
    assert to_major(3_050_000) == "30500.00"
    assert to_major(1) == "0.01"
