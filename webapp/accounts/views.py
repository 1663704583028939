"""Register, log in and out, change the password, see and end signed-in sessions, and
manage API tokens."""

from datetime import timedelta
from urllib.parse import urlsplit

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
from flask_login import current_user, login_required, login_user, logout_user

from webapp import carried_forms
from webapp.accounts import services, sessions
from webapp.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    TokenForm,
)
from webapp.accounts.models import User
from webapp.errors import AuthenticationError, ValidationError
from webapp.extensions import limiter, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to continue."
login_manager.session_protection = "strong"


MAX_USER_ID = 2**31 - 1  # the users.id column's range


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a live session only: a cookie whose session was ended is anonymous."""
    if not user_id.isdigit() or len(user_id) > 10 or int(user_id) > MAX_USER_ID:
        return None
    return sessions.user_for_session(session.get(sessions.COOKIE_KEY), int(user_id), _idle())


def _idle() -> timedelta:
    return timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


@bp.before_app_request
def _load_signed_in_user() -> None:
    # Checked before any view runs, so the session's once-a-minute last-seen write never
    # commits in the middle of a service's transaction. The API reads bearer tokens only.
    if "_user_id" in session and request.blueprint != "api" and request.endpoint != "static":
        current_user._get_current_object()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` and absolute URLs fall back to the home page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("trips.home")


def _start_session(user: User) -> None:
    carried = carried_forms.survive_login()  # typed details waiting to be sent again, if any
    sessions.end_session(session.get(sessions.COOKIE_KEY))  # whoever was signed in here before
    session.clear()  # a fresh session at login: nothing from before survives (no fixation)
    if carried:
        session[carried_forms.SESSION_KEY] = carried
    session[sessions.COOKIE_KEY] = sessions.open_session(
        user.id, request.user_agent.string, request.remote_addr or ""
    )
    login_user(user)


def _end_session(message: str) -> Response:
    logout_user()
    session.clear()
    flash(message, "info")
    return redirect(url_for("accounts.login"), 303)


def _login_limit_key() -> str:
    return "login-account:" + request.form.get("email", "").strip().lower()[:254]


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def form_errors(form: object, error: ValidationError) -> None:
    """Show a service's validation error next to the field it names."""
    for field_name, message in error.details.items():
        field = getattr(form, field_name, None)
        if field is not None:
            field.errors = [*field.errors, message]
    if not error.details:
        flash(error.message, "error")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def register() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("trips.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data, form.password.data, form.name.data, phone=form.phone.data
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            _start_session(user)
            flash(f"Welcome to Roadpass, {user.name}.", "success")
            return redirect(url_for("trips.home"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=_login_limit_key)
def login() -> Response | tuple[str, int]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except AuthenticationError as exc:
            error = exc.message
        else:
            _start_session(user)
            return redirect(_safe_next(form.next.data), 303)
    status = 401 if error else (422 if request.method == "POST" else 200)
    return render_template("accounts/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> Response:
    sessions.end_session(session.get(sessions.COOKIE_KEY))
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("trips.home"), 303)


@bp.get("/account/sessions")
@login_required
def devices() -> str:
    return render_template(
        "accounts/sessions.html",
        devices=sessions.live_sessions(current_user.id, _idle()),
        this_device=session.get(sessions.COOKIE_KEY),
    )


@bp.post("/account/sessions/<session_id>/revoke")
@login_required
def sign_out_device(session_id: str) -> Response:
    sessions.sign_out_device(current_user.id, session_id)
    if session_id == session.get(sessions.COOKIE_KEY):
        return _end_session("You are logged out.")
    flash("That device is signed out.", "success")
    return redirect(url_for("accounts.devices"), 303)


@bp.post("/account/sessions/revoke-all")
@login_required
def sign_out_everywhere() -> Response:
    sessions.sign_out_everywhere(current_user.id)
    return _end_session("You are signed out on every device, this one too.")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user.id,
                form.current_password.data,
                form.password.data,
                keep_session=session.get(sessions.COOKIE_KEY),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            flash("Your password is changed. Your other devices are signed out.", "success")
            return redirect(url_for("accounts.devices"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> tuple[str, int]:
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        try:
            _, new_token = services.create_api_token(current_user.id, form.name.data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            form = TokenForm(formdata=None)
            status = 201
    if request.method == "POST" and new_token is None:
        status = 422
    return render_template(
        "accounts/tokens.html",
        form=form,
        new_token=new_token,
        tokens=current_user.tokens,
    ), status


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    services.revoke_api_token(current_user.id, token_id)
    flash("Token revoked. Apps using it can no longer reach your account.", "success")
    return redirect(url_for("accounts.tokens"), 303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Response | tuple[str, int]:
    form = ProfileForm(obj=current_user) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(current_user.id, form.name.data, form.phone.data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            flash("Your details are saved.", "success")
            return redirect(url_for("accounts.account"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/account.html", form=form), status
