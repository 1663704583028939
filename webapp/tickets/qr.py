"""The ticket's QR code, drawn on the server as inline SVG (no script, no image request).

The code carries the booking reference and an HMAC-SHA256 signature of it under
`TICKET_QR_KEY` ("RP-ABC123.<signature>"), so a code made up at the bus door is refused while a
typed reference still works (the person at the door checks the passenger's ticket page)."""

import base64
import hashlib
import hmac
import io

import segno
from flask import current_app
from markupsafe import Markup

SIGNATURE_CHARS = 22  # 128 bits of the HMAC, base32 without padding (QR alphanumeric-friendly)


def signature(reference: str) -> str:
    key = current_app.config["TICKET_QR_KEY"].encode()
    digest = hmac.new(key, reference.encode(), hashlib.sha256).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=")[:SIGNATURE_CHARS]


def signed_code(reference: str) -> str:
    return f"{reference}.{signature(reference)}"


def read_code(code: str) -> tuple[str, bool]:
    """(the reference, whether the code was signed) for a scanned or typed code; raises
    ValueError for a code whose signature is not ours."""
    text = code.strip().upper()
    if "." not in text:
        return text, False
    reference, _, given = text.partition(".")
    if not hmac.compare_digest(given.encode(), signature(reference).encode()):
        raise ValueError("forged")
    return reference, True


def qr_svg(text: str, title: str) -> Markup:
    code = segno.make_qr(text, error="m")
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=5,
        border=2,
        xmldecl=False,
        svgns=True,
        title=title,
        svgclass="qr",
        lineclass=None,
    )
    return Markup(out.getvalue().decode())  # noqa: S704 - segno's own SVG; `text` is our reference
