"""A point's history as a standalone server-side SVG line chart (no JavaScript): readings reduced to the
min and max of each of 600 time buckets (about a pixel each), in SQL on PostgreSQL (service.history_chart)
and by `bucketize` otherwise, so 17,280 readings draw as fast as 1,000; limit lines dashed."""

from collections.abc import Sequence
from datetime import datetime

from markupsafe import escape

from app.timeutil import to_local

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 28
BUCKETS = 600
LIMIT_COLOURS = {"limit_hh": "#b00020", "limit_h": "#e07000", "limit_l": "#e07000", "limit_ll": "#b00020"}
LIMIT_LABELS = {"limit_hh": "高高", "limit_h": "高", "limit_l": "低", "limit_ll": "低低"}


def span_seconds(since: datetime, until: datetime) -> float:
    return max(until.timestamp() - since.timestamp(), 1.0)


def bucketize(
    rows: Sequence[tuple[datetime, float]], since: datetime, until: datetime
) -> list[tuple[int, float, float]]:
    """(bucket, min, max) of the readings; bucket = floor((ts - since) / span × BUCKETS), clamped."""
    t0, span = since.timestamp(), span_seconds(since, until)
    out: dict[int, list[float]] = {}
    for ts, v in rows:
        b = min(BUCKETS - 1, max(0, int((ts.timestamp() - t0) / span * BUCKETS)))
        cur = out.get(b)
        if cur is None:
            out[b] = [v, v]
        elif v < cur[0]:
            cur[0] = v
        elif v > cur[1]:
            cur[1] = v
    return [(b, lo, hi) for b, (lo, hi) in out.items()]


def history_svg(
    title: str,
    unit: str,
    since: datetime,
    until: datetime,
    buckets: Sequence[tuple[int, float, float]],
    limits: dict[str, float | None],
) -> str:
    """The chart of (bucket, min, max) rows (bucketize, or the same in SQL)."""
    t0 = since.timestamp()
    span = span_seconds(since, until)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    lo: list[float | None] = [None] * BUCKETS
    hi: list[float | None] = [None] * BUCKETS
    for b, b_lo, b_hi in buckets:
        lo[b], hi[b] = b_lo, b_hi
    values = [v for v in lo + hi if v is not None] + [v for v in limits.values() if v is not None]
    vmin, vmax = (min(values), max(values)) if values else (0.0, 1.0)
    if vmax - vmin < 1e-9:
        vmin, vmax = vmin - 1, vmax + 1
    pad = (vmax - vmin) * 0.05
    vmin, vmax = vmin - pad, vmax + pad

    def y(v: float) -> float:
        return TOP + plot_h - (v - vmin) / (vmax - vmin) * plot_h

    def x(b: float) -> float:
        return LEFT + b / BUCKETS * plot_w

    pts: list[str] = []
    for b in range(BUCKETS):
        bl, bh = lo[b], hi[b]
        if bl is None or bh is None:
            continue
        pts.append(f"{x(b + 0.5):.1f},{y(bh):.1f}")
        if bl != bh:
            pts.append(f"{x(b + 0.5):.1f},{y(bl):.1f}")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="Noto Sans CJK SC, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#999"/>',
        f'<text x="{LEFT}" y="16">{escape(title)}（{escape(unit)}）</text>',
    ]
    for i in range(5):
        v = vmin + (vmax - vmin) * i / 4
        out.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.4g}</text>')
    for i in range(5):
        t = t0 + span * i / 4
        label = to_local(datetime.fromtimestamp(t, since.tzinfo)).strftime("%m-%d %H:%M")
        out.append(
            f'<text x="{LEFT + plot_w * i / 4:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{label}</text>'
        )
    for key, limit_value in limits.items():
        if limit_value is None:
            continue
        lv = limit_value
        colour = LIMIT_COLOURS[key]
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(lv):.1f}" y2="{y(lv):.1f}" stroke="{colour}" '
            f'stroke-dasharray="6 4"/><text x="{LEFT + plot_w - 2}" y="{y(lv) - 3:.1f}" text-anchor="end" '
            f'fill="{colour}">{LIMIT_LABELS[key]} {lv:g}</text>'
        )
    if pts:
        out.append(f'<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="{" ".join(pts)}"/>')
    else:
        out.append(
            f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">该时段无数据</text>'
        )
    out.append("</svg>")
    return "".join(out)
