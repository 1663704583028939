"""Money is an integer count of minor units (kobo) plus a currency code; never a float."""

CURRENCY_SYMBOLS = {"NGN": "₦"}
MINOR_UNITS_PER_MAJOR = 100


def format_money(amount_minor: int, currency: str = "NGN") -> str:
    """`1250000, "NGN"` → `"₦12,500.00"`; exact, because it never leaves integers."""
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), MINOR_UNITS_PER_MAJOR)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{major:,}.{minor:02d}"
