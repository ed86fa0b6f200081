"""The reconciliation report as ONE self-contained HTML file: inline CSS, inline SVG charts, no script.

It makes no network request: no external stylesheet, script, font or image, and a Content-Security-Policy
meta tag (``default-src 'none'``) that would block one if it crept in. Charts: exceptions by type, money at
stake by type, premium arrears aging, the trend over recent check dates, and on-time % per feed beside the
scorecard table. Each bar is an SVG ``rect`` carrying ``data-label`` and ``data-value`` (the exact figure:
a count, or dollars with two decimals), so a browser test can read the charts back. Every text written is
HTML-escaped and SSN-masked.

Example::

    write_html(result, Path("var/reports/reconciliation-2026-03-13.html"))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from leavehub.reconcile.arrears import AGING_BUCKETS
from leavehub.reconcile.exceptions import EXCEPTION_TYPES, to_decimal
from leavehub.reconcile.result import Reconciliation, mask_ssns
from leavehub.reconcile.scorecard import SCORECARD_COLUMNS

__all__ = ["CSP", "render_html", "write_html"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d5dbe3}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d5dbe3;padding:3px 7px}
th{background:#eef2f7;text-align:left;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{flex:1 1 520px}svg text{font:12px system-ui,sans-serif}
"""


def _t(value: Any) -> str:
    missing = value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value))
    return escape(mask_ssns("" if missing else str(value)))


def _bars(chart: str, title: str, items: Sequence[tuple[str, Any]], unit: str = "") -> str:
    """A horizontal bar chart; ``items`` are (label, value) with exact values (int or Decimal)."""
    width, label_w, bar_h = 560, 230, 22
    top = max((float(v) for _, v in items), default=0) or 1
    rows = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * (bar_h + 6)
        w = max(0.0, float(value)) / top * (width - label_w - 90)
        shown = f"{unit}{value:,}" if unit == "" else f"{unit}{value:,.2f}"
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_t(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#3f6fb5" '
            f'data-label="{_t(label)}" data-value="{_t(value)}"><title>{_t(label)}: {_t(shown)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{_t(shown)}</text>')
    height = 16 + len(items) * (bar_h + 6)
    return (f'<div class="chart"><h3>{_t(title)}</h3><svg xmlns="http://www.w3.org/2000/svg" role="img" '
            f'data-chart="{chart}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'{"".join(rows)}</svg></div>')


def _columns(chart: str, title: str, items: Sequence[tuple[str, Any]], unit: str = "") -> str:
    """A vertical bar chart (aging buckets, the trend over check dates)."""
    width, height, base = 560, 240, 200
    top = max((float(v) for _, v in items), default=0) or 1
    step = (width - 40) / max(len(items), 1)
    bars = []
    for i, (label, value) in enumerate(items):
        h = max(0.0, float(value)) / top * (base - 30)
        x = 30 + i * step
        shown = f"{unit}{value:,}" if unit == "" else f"{unit}{value:,.2f}"
        bars.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" fill="#c9772b" '
            f'data-label="{_t(label)}" data-value="{_t(value)}"><title>{_t(label)}: {_t(shown)}</title></rect>'
            f'<text x="{x:.1f}" y="{base + 16}">{_t(label)}</text>'
            f'<text x="{x:.1f}" y="{base - h - 4:.1f}">{_t(shown)}</text>')
    return (f'<div class="chart"><h3>{_t(title)}</h3><svg xmlns="http://www.w3.org/2000/svg" role="img" '
            f'data-chart="{chart}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<line x1="24" y1="{base}" x2="{width}" y2="{base}" stroke="#888"/>{"".join(bars)}</svg></div>')


def _table(headers: Iterable[str], rows: Iterable[Iterable[Any]], numeric: set[int] = frozenset(),
           table_id: str = "") -> str:
    head = "".join(f"<th>{_t(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="n">{_t(v)}</td>' if i in numeric else f"<td>{_t(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_html(result: Reconciliation) -> str:
    summary = result.summary()
    money = [to_decimal(c) for c in summary["amount_cents"]]
    charts = [
        _bars("exceptions-by-type", "Exceptions by type", list(zip(summary["exception_type"],
                                                                   summary["count"].astype(int), strict=True))),
        _bars("money-at-stake", "Money at stake by type", list(zip(summary["exception_type"], money, strict=True)),
              unit="$"),
        _columns("arrears-aging", "Premium arrears aging (employee share outstanding)",
                 [(b, to_decimal(result.aging[b].sum())) for b in AGING_BUCKETS], unit="$"),
    ]
    trend = result.trend.groupby("check_date", as_index=False).agg(count=("count", "sum"),
                                                                  amount_cents=("amount_cents", "sum"))
    charts.append(_columns("trend", "Exceptions over recent check dates",
                           [(str(d), int(c)) for d, c in zip(trend["check_date"], trend["count"], strict=True)]))
    card = result.scorecard
    timed = card.loc[card["on_time_pct"].notna()]
    charts.append(_bars("on-time", "On time % per feed (declared arrival windows)",
                        [(f"{v}.{f}", float(p)) for v, f, p in zip(timed["vendor"], timed["feed"],
                                                                     timed["on_time_pct"], strict=True)]))
    ex = result.exceptions
    total = to_decimal(summary["amount_cents"].sum())
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>LeaveHub reconciliation {result.check_date.isoformat()}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Reconciliation for check date {result.check_date.isoformat()}</h1>",
        f'<p id="totals" data-count="{len(ex)}" data-amount="{total}">{len(ex):,} exceptions, '
        f"${total:,.2f} at stake.</p>",
        '<div class="charts">', *charts, "</div>",
        "<h2>Summary</h2>",
        _table(("Type", "Title", "Count", "Money at stake"),
               [(r.exception_type, r.title, f"{r.count:,}", f"${m:,.2f}")
                for r, m in zip(summary.itertuples(index=False), money, strict=True)], {2, 3}, "summary"),
        "<h2>Exceptions</h2>",
        _table(("Type", "Employee", "Subject", "Money at stake", "Reason", "Suggested action", "Open since"),
               zip(ex["exception_type"], ex["employee_id"], ex["subject_key"],
                   (f"${to_decimal(c):,.2f}" for c in ex["amount_cents"]), ex["reason"], ex["action"],
                   ex["first_seen"], strict=True), {3}, "exceptions"),
        "<h2>Premium arrears aging</h2>",
        _table(("Employee", "Plan", "Deduction", *AGING_BUCKETS, "Outstanding", "Oldest (days)"),
               ([*row[:3], *(f"${to_decimal(v):,.2f}" for v in row[3:8]), row[8]]
                for row in result.aging.itertuples(index=False)), {3, 4, 5, 6, 7, 8}, "aging"),
        "<h2>Vendor scorecard</h2>",
        _table([c.replace("_", " ") for c in SCORECARD_COLUMNS], card[list(SCORECARD_COLUMNS)].itertuples(
            index=False), set(range(3, len(SCORECARD_COLUMNS))), "scorecard"),
        "<h2>What to do</h2><ul>",
        *(f"<li><b>{_t(name)}</b>: {_t(kind.action)}</li>" for name, kind in EXCEPTION_TYPES.items()),
        "</ul></body></html>",
    ]
    return "".join(parts)


def write_html(result: Reconciliation, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), encoding="utf-8")
    return path
