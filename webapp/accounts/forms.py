"""Account forms. They check shape; the services check the rules and have the last word."""

from wtforms import EmailField, HiddenField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.boundary.forms import SafeForm

# No-break spaces keep each example number on one line on a narrow screen.
PHONE_HINT = "For your tickets, like 0803\u00a0123\u00a04567 or +234\u00a0803\u00a0123\u00a04567."


def new_password_fields(label: str, hint: str) -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition, which must match (named `password` and `confirm`)."""
    return (
        PasswordField(label, validators=[DataRequired(), Length(max=128)], description=hint),
        PasswordField(
            f"Repeat {label[0].lower()}{label[1:]}",
            validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
        ),
    )


class RegisterForm(SafeForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    phone = TelField(
        "Phone number",
        validators=[DataRequired(), Length(max=32)],
        description=PHONE_HINT,
    )
    password, confirm = new_password_fields("Password", "At least 10 characters.")


class ProfileForm(SafeForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    phone = TelField(
        "Phone number", validators=[DataRequired(), Length(max=32)], description=PHONE_HINT
    )


class LoginForm(SafeForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class TokenForm(SafeForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


class ChangePasswordForm(SafeForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=128)]
    )
    password, confirm = new_password_fields(
        "New password", "At least 10 characters. Your other devices will be signed out."
    )
