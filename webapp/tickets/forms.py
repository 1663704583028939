"""The *Find my booking* form. It checks shape; tickets/access.py has the last word."""

from wtforms import StringField, TelField
from wtforms.validators import DataRequired, Length

from webapp.boundary.forms import SafeForm


class FindBookingForm(SafeForm):
    reference = StringField(
        "Booking reference",
        validators=[DataRequired(), Length(max=20)],
        description="In your confirmation e-mail, like RP-7K3Q9X.",
    )
    phone = TelField(
        "Phone number of a passenger",
        validators=[DataRequired(), Length(max=32)],
        description=(  # no-break spaces keep each example number on one line
            "As given when booking; 0803\u00a0123\u00a04567 and "
            "+234\u00a0803\u00a0123\u00a04567 both work."
        ),
    )
