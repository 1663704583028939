"""Forgot password: ask for a link, then choose a new password with it."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import logout_user

from webapp.accounts.views import form_errors, login_limit
from webapp.errors import ValidationError
from webapp.extensions import limiter
from webapp.recovery import services as recovery
from webapp.recovery.forms import ForgotPasswordForm, ResetPasswordForm

bp = Blueprint("recovery", __name__)


def _reset_limit_key() -> str:
    return "reset-address:" + request.form.get("email", "").strip().lower()[:254]


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_reset_limit_key)
def forgot_password() -> tuple[str, int]:
    """One answer whether or not the address has an account (no account enumeration)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.request_password_reset(form.email.data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            return render_template("recovery/reset_sent.html", email=form.email.data), 200
    status = 422 if request.method == "POST" else 200
    return render_template("recovery/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password(token: str) -> Response | tuple[str, int]:
    form = ResetPasswordForm()
    try:
        recovery.user_for_reset(token)
        if form.validate_on_submit():
            recovery.reset_password(token, form.password.data)
            logout_user()
            session.clear()
            flash("Your password is changed. Log in with the new one.", "success")
            return redirect(url_for("accounts.login"), 303)
    except recovery.ResetLinkError as error:
        return _no_referrer(render_template("recovery/reset_dead.html", error=error.message), 400)
    except ValidationError as error:
        form_errors(form, error)
    status = 422 if request.method == "POST" else 200
    return _no_referrer(render_template("recovery/reset_password.html", form=form), status)


def _no_referrer(html: str, status: int) -> Response:
    """The reset link's token is in the URL: no page it leads to may learn it."""
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
