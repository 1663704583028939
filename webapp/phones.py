"""Phone numbers as people type them, kept in one form: E.164 (+2348031234567).

One function reads every phone number the site takes (registration, the account page,
passenger details, the staff search and *Find my booking*), so a number written as 0803 123
4567, +234 803 123 4567, 234-803-123-4567 or 00234 803 123 4567 is the same number everywhere.
Google's libphonenumber (the `phonenumbers` port) knows which numbers Nigeria's plan allows.
"""

import phonenumbers

DEFAULT_REGION = "NG"  # a number without a country code is Nigerian
MAX_TYPED = 32
EXAMPLE = "0803 123 4567 or +234 803 123 4567"


def normalise_phone(raw: object) -> str | None:
    """The number in E.164, or None when it is not a valid number (Nigerian by default)."""
    text = str(raw or "").strip()
    if not text or len(text) > MAX_TYPED:
        return None
    if text.startswith("00"):  # the international prefix most of the world dials
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
