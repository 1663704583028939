"""Password-reset forms. They check shape; the services check the rules."""

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from webapp.boundary.forms import SafeForm


class ForgotPasswordForm(SafeForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(SafeForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=128)],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
