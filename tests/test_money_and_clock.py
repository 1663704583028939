from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.clock import lagos_day_bounds
from webapp.database import UTCDateTime
from webapp.money import format_money


@pytest.mark.parametrize(
    ("kobo", "text"),
    [(0, "₦0.00"), (5, "₦0.05"), (1_250_000, "₦12,500.00"), (-25_050, "-₦250.50")],
)
def test_format_money(kobo: int, text: str) -> None:
    assert format_money(kobo) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_money_is_exact(kobo: int) -> None:
    text = format_money(kobo).replace("₦", "").replace(",", "")
    sign = -1 if text.startswith("-") else 1
    naira, minor = text.lstrip("-").split(".")
    assert sign * (int(naira) * 100 + int(minor)) == kobo


def test_lagos_day_is_utc_plus_one() -> None:
    start, end = lagos_day_bounds(date(2026, 12, 1))

    assert start == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused_by_the_column_type() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), dialect=None)  # noqa: DTZ001
