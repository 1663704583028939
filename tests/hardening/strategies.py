"""Hypothesis strategies for what a hostile client sends: path values, query strings, bodies
(forms, JSON of hostile shapes, raw bytes) and the headers that matter."""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st
from werkzeug.routing import Rule

from webapp.config import DEV_WEBHOOK_HASH

# Field names the views read (query strings and forms), and a few they do not.
NAMES = [
    "amount",
    "amount_delta",
    "back",
    "card",
    "code",
    "csrf_token",
    "currency",
    "date",
    "destination",
    "email",
    "from",
    "key",
    "month",
    "name",
    "next",
    "operator",
    "origin",
    "outcome",
    "page",
    "password",
    "reason",
    "reference",
    "seats",
    "sort",
    "status",
    "time",
    "to",
    "transaction_id",
    "tripId",
    "tx_ref",
    "wait",
    "webhook",
    "idempotency_key",
    "confirm",
    "phone",
    "seat",
    "seatNumbers",
    "q",
    "days",
    "flag",
    "cursor",
]

HUGE_NUMBERS = ("2147483648", "9223372036854775808", "1" + "0" * 400, "-1", "0", "1e309", "NaN")
HOSTILE_TEXT = (
    "\x00",
    "RP-\x00ABC",
    "a\x00b",
    "%00",
    "%zz",
    "%",
    "\ufffd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "x" * 5000,
    "２０２６-１２-０３",
    "١٢",
    " ",
    "",
    *HUGE_NUMBERS,
)


def text() -> st.SearchStrategy[str]:
    """Text of every kind a URL-encoded form or query can carry, hostile values first."""
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=30),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=10).map(lambda s: s + "\x00"),
    )


def surrogate_text() -> st.SearchStrategy[str]:
    """Strings with lone surrogates, which only JSON escapes (or raw bytes) can carry."""
    return st.sampled_from(["\ud800", "a\udfffb", "\udc00\ud800", "ok\ud83d"])


def json_values() -> st.SearchStrategy[object]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([2**31, 2**63, 10**400, -(2**31) - 1]),
        st.floats(allow_nan=True, allow_infinity=True),
        text(),
        surrogate_text(),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=12,
    )


def _dumps(value: object) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")  # NaN, Infinity as JSON cannot


RAW_JSON = (
    b"[" * 5000 + b"]" * 5000,
    b'{"tripId": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"a": "' + b"[" * 3000 + b'"}',  # brackets inside a string are not nesting
    b'{"tripId": 1e309, "seatNumbers": ["1A"]}',
    b'{"tripId": NaN}',
    b'{"bookingId": Infinity}',
    b'{"x": "\\ud800"}',
    b'{"\\u0000": 1}',
    b'{"tripId": 1, "seatNumbers": ["\\u0000"]}',
    b'{"tripId": ' + b"9" * 5000 + b"}",
    b'{"event": "charge.completed", "data": {"id": NaN, "tx_ref": "x", "status": "successful"}}',
    b'{"event": "charge.completed", "data": {"id": ' + b"9" * 400 + b', "tx_ref": "x"}}',
    b'{"event": "charge.completed", "data": {"id": {"id": [1]}, "tx_ref": {"a": 1}}}',
    b'{"event": "charge.completed", "data": {"id": 1, "tx_ref": "' + b"x" * 500 + b'"}}',
    b'{"event": "charge.completed", "data": {"id": "1\\u0000", "tx_ref": "\\ud800"}}',
    b'{"event": "charge.completed", "data": {"id": 1, "tx_ref": "R", "status": "successful"}}',
    b"\xff\xfe",
    b"",
    b"null",
    b'"just a string"',
)


@dataclass
class Hostile:
    """One request: where, what, as whom."""

    role: str
    path: str
    query: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    form: dict[str, str] | None = None
    content_type: str | None = None

    def describe(self) -> str:
        return f"{self.role} {self.path}?{self.query[:200]!r} {self.headers} {self.content_type}"


def path_value(converter: str, good: object) -> st.SearchStrategy[str]:
    """A value for one path argument, already as it goes in the URL."""
    kept = quote(str(good), safe="")
    if converter == "IdConverter":
        return st.one_of(
            st.just(kept),
            st.just(kept),
            st.sampled_from(["2147483647", "2147483648", "9223372036854775808", "1" + "0" * 400]),
            st.integers(min_value=0, max_value=2**70).map(str),
        )
    return st.one_of(
        st.just(kept),
        st.just(kept + "%00"),
        text().map(lambda s: quote(s, safe="")),
        st.sampled_from(["%zz", "%", "%00", "RP-%00", "%ED%A0%80", "%FF"]),
    )


def build_path(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with each `<converter:argument>` replaced by its (encoded) value."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


@st.composite
def queries(draw: st.DrawFn) -> bytes:
    """Nothing; one hostile value under every name the views read (a flood: whatever this
    route reads, it gets it); a few random fields; or a malformed raw query."""
    kind = draw(st.sampled_from(["none", "flood", "fields", "raw"]))
    if kind == "none":
        return b""
    if kind == "raw":
        return draw(
            st.sampled_from(
                [b"tripId=%zz", b"origin=%", b"tx_ref=%FF%FE", b"q=%ED%A0%80", b"date=%00", b"%"]
            )
        )
    if kind == "flood":
        value = draw(st.sampled_from(HOSTILE_TEXT))
        pairs = [(name, value) for name in NAMES]
    else:
        pairs = draw(st.lists(st.tuples(st.sampled_from(NAMES), text()), max_size=6))
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs).encode()


@st.composite
def header_sets(draw: st.DrawFn) -> dict[str, str]:
    headers = {}
    choices = {
        "Idempotency-Key": st.one_of(text(), st.uuids().map(str)),
        "If-None-Match": st.one_of(text(), st.just('"abc"'), st.just("*")),
        "Authorization": st.one_of(
            text(), text().map(lambda s: f"Bearer {s}"), st.just("Basic Zm9vOmJhcg==")
        ),
        "verif-hash": st.one_of(text(), st.just(DEV_WEBHOOK_HASH)),
        "X-Jobs-Secret": text(),
    }
    for name in draw(st.lists(st.sampled_from(sorted(choices)), unique=True, max_size=3)):
        # A line break cannot be in a header: it would end it (Werkzeug refuses to send one).
        headers[name] = draw(choices[name]).replace("\r", " ").replace("\n", " ")
    return headers


CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/vnd.api+json",
    "multipart/form-data; boundary=x",
    "application/json\x00",
    "",
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes | None, dict[str, str] | None, str | None]:
    """(raw body, form fields, content type): a form or a JSON object flooded with one hostile
    value under every name, random ones, JSON of hostile shapes, raw bytes, or nothing."""
    kind = draw(
        st.sampled_from(["flood-form", "form", "flood-json", "json", "raw-json", "raw", "none"])
    )
    if kind == "flood-form":
        value = draw(st.sampled_from(HOSTILE_TEXT))
        return None, dict.fromkeys(NAMES, value), None
    if kind == "form":
        return None, draw(st.dictionaries(st.sampled_from(NAMES), text(), max_size=5)), None
    if kind == "flood-json":
        value = draw(json_values())
        return _dumps(dict.fromkeys(NAMES, value)), None, "application/json"
    if kind == "json":
        return _dumps(draw(json_values())), None, "application/json"
    if kind == "raw-json":
        return draw(st.sampled_from(RAW_JSON)), None, "application/json"
    if kind == "raw":
        body = draw(st.sampled_from([b"a=%zz", b"x=%FF", b"name=a%00b", b"\x00" * 10, b"[]"]))
        return body, None, draw(st.sampled_from(CONTENT_TYPES))
    return None, None, None
