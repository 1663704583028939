"""`tests/routes.py` declares every rule of the URL map: a route added without a declaration
(who may use it, which path values to call it with) fails here, before the authorization table
and the hostile-input properties would silently leave it out."""

from flask import Flask
from werkzeug.routing import IntegerConverter

from tests.routes import DECLARED, ROLES, World


def test_every_rule_in_the_url_map_is_declared(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - DECLARED.keys()) == [], "declare these in tests/routes.py"
    assert sorted(DECLARED.keys() - endpoints) == [], "declared, but not in the URL map"


def test_every_declaration_answers_each_method_and_names_its_path_values(app: Flask) -> None:
    fields = set(World.__dataclass_fields__)
    for rule in app.url_map.iter_rules():
        declared = DECLARED[rule.endpoint]
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        assert declared.answers.keys() == methods, rule.endpoint
        for method in methods:
            assert len(declared.expected(method)) == len(ROLES), (rule.endpoint, method)
        for argument in rule.arguments:
            assert declared.values.get(argument) in fields, (rule.endpoint, argument)


def test_no_rule_takes_an_unbounded_integer(app: Flask) -> None:
    """Row ids go through `<id:...>` (bounded to the integer column), never `<int:...>`."""
    unbounded = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if any(type(c) is IntegerConverter for c in (rule._converters or {}).values())
    ]
    assert unbounded == []
