"""The authorization table: every rule of the URL map × every caller (anonymous, the passenger
who owns the world's bookings, another passenger, the trip operator's staff, another operator's
staff, an admin) answers as `tests/routes.py` declares. It replaced a table for `/admin` only."""

from tests.hardening.conftest import Setting
from tests.routes import ROLES, calls


def test_every_route_answers_every_caller_as_declared(pg_setting: Setting) -> None:
    setting = pg_setting
    wrong = []
    count = 0
    for call in calls(setting.app):
        url = call.url(setting.app, setting.world)
        answers = tuple(setting.send(role, call.method, url).status_code for role in ROLES)
        count += 1
        if answers != call.declared.expected(call.method):
            wrong.append(
                f'"{call.endpoint}" {call.method} {url}: got {" ".join(map(str, answers))}, '
                f"declared {call.declared.answers[call.method]}"
            )
    assert not wrong, "\n".join(wrong)
    assert count >= len(list(setting.app.url_map.iter_rules()))
