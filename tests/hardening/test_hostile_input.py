"""Hostile input against every route of the URL map (walked from `tests/routes.py`, so a new
route is covered the day it is added), on PostgreSQL and SQLite.

For each (rule, method), hypothesis draws a caller (anonymous, passengers, staff, admin), path
values (ids past the integer column, NUL, malformed %-escapes), a query string, the headers that
matter (Idempotency-Key, If-None-Match, Authorization, verif-hash, X-Jobs-Secret, Content-Type)
and, for writes, a form, JSON of hostile shapes or raw bytes. Every answer must be below 500,
come within ANSWER_BOUND_SECONDS (a hang, not a speed test: the machine is shared), and a
refused request (4xx) must leave every table's rows as they were. The number of examples per
route is the `hardening` profile's (HARDENING_EXAMPLES in the environment raises it).
"""

import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hardening.conftest import Setting
from tests.hardening.strategies import bodies, build_path, header_sets, path_value, queries
from tests.routes import ROLES, Call, calls

ANSWER_BOUND_SECONDS = 5.0


@dataclass
class Tally:
    requests: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    routes: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def probe_route(setting: Setting, call: Call, tally: Tally) -> None:
    good = {
        argument: getattr(setting.world, call.declared.values[argument])
        for argument in call.rule.arguments
    }

    @settings(settings.get_profile("hardening"))
    @given(data=st.data())
    def probe(data: st.DataObject) -> None:
        role = data.draw(st.sampled_from(ROLES), label="role")
        values = {
            argument: data.draw(
                path_value(type(call.rule._converters[argument]).__name__, good[argument]),
                label=argument,
            )
            for argument in call.rule.arguments
        }
        path = build_path(call.rule, values)
        query = data.draw(queries(), label="query")
        headers = data.draw(header_sets(), label="headers")
        kwargs: dict[str, object] = {}
        if call.method != "GET":
            body, form, content_type = data.draw(bodies(), label="body")
            if form is not None:
                kwargs["data"] = {**form, "csrf_token": setting.callers[role].csrf}
            elif body is not None:
                kwargs["data"] = body
            if content_type is not None:
                headers["Content-Type"] = content_type
        url = path + ("?" + query.decode() if query else "")
        started = time.perf_counter()
        response, changed = setting.send_and_compare(
            role, call.method, url, headers=headers, **kwargs
        )
        took = time.perf_counter() - started
        tally.requests += 1
        tally.by_status[response.status_code] += 1
        tally.routes.add((call.endpoint, call.method))
        where = f"{call.endpoint} {call.method} {role} {url[:300]!r} {headers!r} {kwargs!r:.300}"
        assert response.status_code < 500, f"{response.status_code} on {where}"
        assert took < ANSWER_BOUND_SECONDS, f"{took:.1f} s on {where}"
        if response.status_code >= 400:
            allowed = call.declared.refused_writes
            assert changed <= allowed, f"{sorted(changed - allowed)} changed by a refused {where}"

    try:
        probe()
    except AssertionError as error:
        tally.problems.append(str(error).splitlines()[0][:2000])


# The JSON API's routes in a run of their own: their field types and ranges are checked by
# their pydantic models (webapp/api/schemas.py), the rest by the boundary.
def schema_owned(call: Call) -> bool:
    return call.endpoint.startswith("api.") and call.endpoint != "api.flutterwave_webhook"


@pytest.mark.parametrize(
    "part",
    ["pages", "api"],
)
def test_no_hostile_input_answers_5xx_hangs_or_changes_rows(setting: Setting, part: str) -> None:
    tally = Tally()
    every = [call for call in calls(setting.app) if schema_owned(call) == (part == "api")]
    for call in every:
        probe_route(setting, call, tally)
    print(  # the figures for the record: `pytest -s` shows them
        f"\nhostile input ({part}): {tally.requests} requests over {len(tally.routes)} of "
        f"{len(every)} (rule, method) pairs; answers {dict(sorted(tally.by_status.items()))}"
    )
    assert tally.problems == [], "\n".join(tally.problems)
    assert len(tally.routes) == len(every)
