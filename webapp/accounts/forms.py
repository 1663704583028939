"""Account forms. They check shape; the services check the rules and have the last word."""

from wtforms import EmailField, HiddenField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.boundary.forms import SafeForm

# No-break spaces keep each example number on one line on a narrow screen.
PHONE_HINT = "For your tickets, like 0803\u00a0123\u00a04567 or +234\u00a0803\u00a0123\u00a04567."


class RegisterForm(SafeForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    phone = TelField(
        "Phone number",
        validators=[DataRequired(), Length(max=32)],
        description=PHONE_HINT,
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=128)],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


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
