"""The ticket's QR code, drawn on the server as inline SVG (no script, no image request)."""

import io

import segno
from markupsafe import Markup


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
