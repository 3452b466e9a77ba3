"""Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched from a CDN.

Every label is escaped here; the returned Markup is then safe to place in a template.
"""

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

Series = tuple[str, str, str]  # (key in the row, legend label, colour)
FONT = 'font-family="Noto Sans CJK SC, sans-serif"'


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for i, (_, label, colour) in enumerate(series):
        lx = x + i * 90
        out.append(f'<rect x="{lx}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{lx + 14}" y="{y}" font-size="11" {FONT}>{escape(label)}</text>')
    return out


def grouped_bars(rows: Sequence[dict[str, Any]], series: Sequence[Series], title: str) -> Markup:
    """Vertical grouped bars, one group per row (e.g. per month), with numbers on the bars."""
    width, height, left, bottom, top = 640, 260, 36, 40, 34
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = _nice_max(max((float(r.get(k) or 0) for r in rows for k, _, _ in series), default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        *_legend(series, left, 16),
    ]
    for tick in (0, 0.5, 1):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e4e7eb"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" {FONT}>'
            f"{peak * tick:g}</text>"
        )
    if not rows:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" {FONT}>暂无数据</text>')
    group_w = plot_w / max(len(rows), 1)
    bar_w = min(28.0, group_w * 0.8 / max(len(series), 1))
    for i, row in enumerate(rows):
        gx = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (key, label, colour) in enumerate(series):
            value = float(row.get(key) or 0)
            h = plot_h * value / peak
            x, y = gx + j * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(row.get('label', ''))} {escape(label)}：{value:g}</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + bar_w / 2 - 1:.1f}" y="{y - 2:.1f}" font-size="10" text-anchor="middle" '
                    f"{FONT}>{value:g}</text>"
                )
        parts.append(
            f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{height - bottom + 14}" font-size="10" '
            f'text-anchor="middle" {FONT}>{escape(str(row.get("short", row.get("label", ""))))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(items: Sequence[tuple[str, float, str]], title: str) -> Markup:
    """One bar per (label, value, colour), longest scale = the largest value."""
    row_h, left, width = 26, 120, 640
    height = 30 + row_h * max(len(items), 1)
    peak = _nice_max(max((v for _, v, _ in items), default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not items:
        parts.append(f'<text x="{width / 2}" y="24" text-anchor="middle" {FONT}>暂无数据</text>')
    for i, (label, value, colour) in enumerate(items):
        y = 10 + i * row_h
        w = (width - left - 50) * value / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end" {FONT}>'
            f"{escape(label)}</text>"
        )
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="12" {FONT}>{value:g}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
