"""Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched from a CDN.

Every label is escaped here; the returned Markup is then safe to place in a template.

The charts are fluid and their text is in real pixels (12 px and up), on a 390 px phone as on a desk:
there is no viewBox to scale them. The SVG element is the page's width with a fixed height; its CSS
padding holds the axis labels, so its content box is the plot, where x is given in per cent of the
plot's width and y in pixels.
"""

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

Series = tuple[str, str, str]  # (key in the row, legend label, colour)
FONT = 'font-family="Noto Sans CJK SC, sans-serif"'
SMALL = 12  # px: the smallest text, numbers on bars and axis ticks
TEXT = 13  # px: legend and category labels


def _svg(title: str, height: int, left: int, right: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" role="img" '
        f'aria-label="{escape(title)}" class="chart" '
        f'style="height: {height}px; padding: 0 {right}px 0 {left}px; overflow: visible">',
        f"<title>{escape(title)}</title>",
    ]


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


def _legend(series: Sequence[Series], y: float) -> list[str]:
    out = []
    for i, (_, label, colour) in enumerate(series):
        lx = i * 90
        out.append(f'<rect x="{lx}" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{y}" font-size="{TEXT}" {FONT}>{escape(label)}</text>')
    return out


def grouped_bars(rows: Sequence[dict[str, Any]], series: Sequence[Series], title: str) -> Markup:
    """Vertical grouped bars, one group per row (e.g. per month), with numbers on the bars."""
    height, left, right, bottom, top = 260, 36, 10, 40, 40
    plot_h = height - top - bottom
    peak = _nice_max(max((float(r.get(k) or 0) for r in rows for k, _, _ in series), default=0))
    parts = [*_svg(title, height, left, right), *_legend(series, 18)]
    for tick in (0, 0.5, 1):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="0" y1="{y:.1f}" x2="100%" y2="{y:.1f}" stroke="#e4e7eb"/>')
        parts.append(
            f'<text x="-4" y="{y + 4:.1f}" font-size="{SMALL}" text-anchor="end" {FONT}>'
            f"{peak * tick:g}</text>"
        )
    if not rows:
        parts.append(f'<text x="50%" y="{height / 2}" text-anchor="middle" {FONT}>暂无数据</text>')
    group = 100 / max(len(rows), 1)  # per cent of the plot's width
    bar = min(group * 0.8 / max(len(series), 1), 5.0)
    for i, row in enumerate(rows):
        gx = i * group + (group - bar * len(series)) / 2
        for j, (key, label, colour) in enumerate(series):
            value = float(row.get(key) or 0)
            h = plot_h * value / peak
            x, y = gx + j * bar, top + plot_h - h
            parts.append(
                f'<rect x="{x:.2f}%" y="{y:.1f}" width="{bar * 0.85:.2f}%" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(row.get('label', ''))} {escape(label)}：{value:g}</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + bar * 0.425:.2f}%" y="{y - 3:.1f}" font-size="{SMALL}" '
                    f'text-anchor="middle" {FONT}>{value:g}</text>'
                )
        # Every other category label is left out on very narrow phones (site.css: .chart text.alt).
        alt = ' class="alt"' if i % 2 else ""
        parts.append(
            f'<text{alt} x="{(i + 0.5) * group:.2f}%" y="{height - bottom + 18}" font-size="{TEXT}" '
            f'text-anchor="middle" {FONT}>{escape(str(row.get("short", row.get("label", ""))))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(items: Sequence[tuple[str, float, str]], title: str) -> Markup:
    """One bar per (label, value, colour), longest scale = the largest value."""
    row_h, left, right = 30, 110, 50
    height = 20 + row_h * max(len(items), 1)
    peak = _nice_max(max((v for _, v, _ in items), default=0))
    parts = _svg(title, height, left, right)
    if not items:
        parts.append(f'<text x="50%" y="28" text-anchor="middle" {FONT}>暂无数据</text>')
    for i, (label, value, colour) in enumerate(items):
        y = 10 + i * row_h
        w = 100 * value / peak
        parts.append(
            f'<text x="-8" y="{y + 17}" font-size="{TEXT}" text-anchor="end" {FONT}>{escape(label)}</text>'
        )
        parts.append(f'<rect x="0" y="{y + 4}" width="{w:.2f}%" height="{row_h - 10}" fill="{colour}"/>')
        parts.append(f'<text x="{w:.2f}%" dx="4" y="{y + 17}" font-size="{TEXT}" {FONT}>{value:g}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
