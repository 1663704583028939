"""`/admin`: sales today and over the last 30 days, a server-drawn chart, and what needs a look."""

from datetime import date, timedelta

from flask import render_template, url_for
from markupsafe import Markup, escape

from webapp import clock
from webapp.admin import admin_required, bp, figures
from webapp.money import format_money

BAR_WIDTH, GAP, HEIGHT = 10, 2, 100


def sales_chart(days: list[tuple[date, int]], currency: str = "NGN") -> Markup:
    """Daily gross sales as an inline SVG bar chart: one linked bar per day, no script."""
    top = max((total for _, total in days), default=0) or 1
    width = len(days) * (BAR_WIDTH + GAP)
    bars = []
    for n, (day, total) in enumerate(days):
        height = round(total * (HEIGHT - 2) / top) if total else 0
        label = f"{day:%d %b}: {format_money(total, currency)}"
        href = url_for("admin.bookings", paid_from=day.isoformat(), paid_to=day.isoformat())
        bars.append(
            f'<a href="{escape(href)}" aria-label="{escape(label)}"><title>{escape(label)}</title>'
            f'<rect x="{n * (BAR_WIDTH + GAP)}" y="{HEIGHT - height}" width="{BAR_WIDTH}" '
            f'height="{max(height, 1)}"/></a>'
        )
    first, last = days[0][0], days[-1][0]
    return Markup(  # noqa: S704 - built from numbers, dates and escaped text only
        f'<svg class="sales-chart" id="sales-chart" viewBox="0 0 {width} {HEIGHT}" '
        f'role="group" aria-labelledby="sales-chart-title" preserveAspectRatio="none">'
        f'<title id="sales-chart-title">Gross sales per day, {first:%d %b} to {last:%d %b}'
        f"</title>{''.join(bars)}</svg>"
    )


@bp.get("")
@admin_required
def dashboard() -> str:
    today = clock.today_in_lagos()
    month_start = today - timedelta(days=figures.CHART_DAYS - 1)
    daily = figures.daily_gross(month_start, today)
    return render_template(
        "admin/dashboard.html",
        today=today,
        month_start=month_start,
        periods=[
            ("Today", today, today, figures.sales(today, today)),
            (
                f"Last {figures.CHART_DAYS} days",
                month_start,
                today,
                figures.sales(month_start, today),
            ),
        ],
        chart=sales_chart(daily),
        attention=figures.attention(),
    )
