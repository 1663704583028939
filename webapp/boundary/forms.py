"""`SafeForm`: the base of every WTForms form. Each field refuses NUL and lone surrogates with
its own error message, whatever other validators it has (the boundary's request check refuses
them first for a real request; this keeps a form safe wherever its data comes from)."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import StopValidation

from webapp.boundary.text import unsafe_text


def safe_text(form: FlaskForm, field: Field) -> None:
    """A WTForms validator: the field's raw input holds no NUL or lone surrogate."""
    for value in field.raw_data or []:
        if isinstance(value, str) and unsafe_text(value):
            raise StopValidation(f"This field {unsafe_text(value)}.")


class SafeForm(FlaskForm):
    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        extra = {name: [safe_text] for name in self._fields}
        for name, validators in (extra_validators or {}).items():
            extra[name] = [safe_text, *validators]
        return super().validate(extra_validators=extra)
