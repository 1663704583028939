"""One reading of a phone number everywhere: every usual Nigerian way of writing it gives the
same E.164 form; what is not a number gives None."""

import pytest

from webapp.phones import normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "08031234567",
        "0803 123 4567",
        "0803-123-4567",
        "(0803) 123-4567",
        "+234 803 123 4567",
        "+2348031234567",
        "2348031234567",
        "234 803 123 4567",
        "00234 803 123 4567",
        " 0803 123 4567 ",
    ],
)
def test_nigerian_ways_of_writing_a_number_give_one_e164_form(typed: str) -> None:
    assert normalise_phone(typed) == "+2348031234567"


def test_other_countries_keep_their_code() -> None:
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "typed", ["", None, "abc", "0803123456", "080312345678", "01 234 5678", "+0" * 20, "0" * 40]
)
def test_what_is_not_a_valid_number_is_refused(typed: object) -> None:
    assert normalise_phone(typed) is None
