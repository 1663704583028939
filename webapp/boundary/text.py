"""What no text we accept may contain: NUL (PostgreSQL cannot store it in a string) and lone
UTF-16 surrogates (no encoding can write them, so the database driver would fail on them)."""

import re

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
# A header value may not carry any C0 control character other than a tab.
_UNSAFE_IN_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
# A `%` that does not start a two-digit hexadecimal escape.
MALFORMED_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def unsafe_text(value: str) -> str | None:
    """Why `value` cannot be accepted, or None when it can."""
    found = _UNSAFE.search(value)
    if found is None:
        return None
    return "contains a NUL character" if found.group() == "\x00" else "contains a lone surrogate"


def unsafe_header(value: str) -> str | None:
    found = _UNSAFE_IN_HEADER.search(value)
    return None if found is None else "contains a control character"
