"""文书: rendering one 2-page 行政处罚决定书 (HTML → PDF with the CJK fonts) takes ≤ 1 s.

Rendering only (no database): the template, the Jinja render and WeasyPrint, as documents.issue does.
The first render (font loading) is left out; the figure is the median of the next five.
"""

import io
import statistics
import time
from typing import Any

import pypdf

from app.documents import render

TARGET_S = 1.0


def _context() -> dict[str, Any]:
    facts = (
        "经查，你单位未按规定建立安全风险分级管控和隐患排查治理双重预防工作机制，"
        "未如实记录事故隐患排查治理情况，未按规定组织开展安全生产教育和培训。"
    )
    return {
        "addressee": "基准机械制造有限公司",
        "paragraphs": [facts * 2] * 3,
        "items": [{"text": f"违法事实第{i}项", "basis": "《中华人民共和国安全生产法》"} for i in range(1, 9)],
        "doc": {
            "kind": "enforcement.penalty_decision",
            "title": "行政处罚决定书",
            "number": "基应急罚〔2026〕18号",
            "issuer": "基准市应急管理局",
            "issued_on": "2026-03-02",
        },
    }


def _render() -> bytes:
    pdf, _ = render.render_pdf(render.render_html("documents/example.html", _context()))
    return pdf


def main() -> list[dict[str, Any]]:
    pages = len(pypdf.PdfReader(io.BytesIO(_render())).pages)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        _render()
        times.append(time.perf_counter() - started)
    value = statistics.median(times)
    return [
        {
            "name": f"one {pages}-page 决定书 PDF render (median of 5)",
            "value": value,
            "unit": "s",
            "target": f"≤ {TARGET_S} s, 2 pages",
            "ok": value <= TARGET_S and pages == 2,
        }
    ]
