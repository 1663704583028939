"""`/admin/staff`: operators' staff accounts, and creating one (admins only, audited)."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp.accounts.models import Role, User
from webapp.accounts.services import register_user
from webapp.admin import admin_required, bp
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.fleet.models import Operator

SHOWN = 200


def _page(errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    staff = db.session.scalars(
        select(User).where(User.role == Role.OPERATOR_STAFF).order_by(User.id.desc()).limit(SHOWN)
    ).all()
    operators = db.session.scalars(select(Operator).order_by(Operator.name)).all()
    names = {o.id: o.name for o in operators}
    html = render_template(
        "admin/staff.html",
        staff=staff,
        operators=operators,
        names=names,
        errors=errors or {},
        form=request.form,
    )
    return html, status


@bp.get("/staff")
@admin_required
def staff() -> tuple[str, int]:
    return _page()


@bp.post("/staff")
@admin_required
def add_staff() -> Response | tuple[str, int]:
    form = request.form
    try:
        user = register_user(
            str(form.get("email") or ""),
            str(form.get("password") or ""),
            str(form.get("name") or ""),
            operator_slug=str(form.get("operator") or ""),
            created_by=current_user.id,
        )
    except ValidationError as error:
        return _page(error.details or {"email": error.message}, 422)
    flash(f"{user.email} can now sign in and see that operator's trips.", "success")
    return redirect(url_for("admin.staff"), 303)
