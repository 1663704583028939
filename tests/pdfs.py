"""Reading a PDF the way a person and a scanner would: its text, and its QR code decoded from
the rendered page (pypdfium2 draws it, zxing-cpp reads it; both are wheels, no system tools)."""

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_qr_codes(content: bytes, scale: float = 2.0) -> list[str]:
    """The text of every QR code on the first page, rendered at `scale` × 72 dpi."""
    document = pypdfium2.PdfDocument(content)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image) if code.format.name == "QRCode"]


def pdf_page_png(content: bytes, scale: float = 2.0) -> bytes:
    """The first page as a PNG, to look at."""
    document = pypdfium2.PdfDocument(content)
    try:
        out = io.BytesIO()
        document[0].render(scale=scale).to_pil().save(out, format="PNG")
        return out.getvalue()
    finally:
        document.close()
