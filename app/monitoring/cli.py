"""`shuangkong monitoring …`: the demo simulator."""

import math
import random
import time
from datetime import datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import session_scope
from app.monitoring import ingest
from app.monitoring.models import MonitoringPoint
from app.timeutil import utcnow

monitoring_app = typer.Typer(help="重大危险源在线监测：演示数据模拟", no_args_is_help=True)


def _signal(point: MonitoringPoint, t: float, rng: random.Random, excursion: bool) -> float:
    lo = point.limit_l if point.limit_l is not None else point.limit_ll
    hi = point.limit_h if point.limit_h is not None else point.limit_hh
    if lo is None and hi is None:
        return rng.gauss(0, 1)
    if lo is None:
        lo = 0.0 if hi is None or hi > 0 else hi - 10  # type: ignore[operator]
    if hi is None:
        hi = lo + 10
    mid, span = (lo + hi) / 2, (hi - lo) / 2
    if point.quantity in ("flammable_gas", "toxic_gas"):
        mid, span = hi * 0.1, hi * 0.05  # gas detectors read near zero
    value = mid + span * 0.4 * math.sin(t / 600 + point.id) + rng.gauss(0, span * 0.03)
    if excursion:
        top = point.limit_hh if point.limit_hh is not None else hi
        value = top * 1.05 if top > 0 else top + abs(span) * 0.2
    return round(value, 3)


def feed(
    session: Session, points: list[MonitoringPoint], now: datetime, rng: random.Random, excursion_rate: float
) -> tuple[int, int]:
    """One simulated sample of every point at `now`, through the ingest path (one batch per enterprise,
    alarm evaluation included); returns (readings stored, alarms opened)."""
    by_ent: dict[int, list[ingest.RawReading]] = {}
    for p in points:
        value = _signal(p, now.timestamp(), rng, rng.random() < excursion_rate)
        by_ent.setdefault(p.enterprise_id, []).append(ingest.RawReading(None, p.id, now, value))
    stored = opened = 0
    for ent_id, batch in by_ent.items():
        res = ingest.ingest(session, ent_id, batch)
        stored += res["stored"]
        opened += len(res["alarms_opened"])
    return stored, opened


@monitoring_app.command("simulate")
def simulate(
    batches: Annotated[int, typer.Option("--batches", min=1, max=1_000_000, help="发送批数")] = 60,
    interval: Annotated[float, typer.Option("--interval", min=0.0, max=3600.0, help="每批间隔秒数")] = 5.0,
    excursion_rate: Annotated[
        float, typer.Option("--excursion-rate", min=0.0, max=1.0, help="每个读数越过高高限的概率")
    ] = 0.002,
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 19,
) -> None:
    """为演示企业的监测点生成平稳信号和偶发越限，逐批写入（与设备上传同一路径，含报警判定）。"""
    rng = random.Random(seed)
    with session_scope(writer=False) as session:
        points = list(
            session.scalars(
                select(MonitoringPoint).where(
                    MonitoringPoint.is_active.is_(True), MonitoringPoint.is_demo.is_(True)
                )
            )
        )
        session.expunge_all()
    if not points:
        typer.echo("没有演示监测点：请先运行 shuangkong demo", err=True)
        raise typer.Exit(1)
    total = opened = 0
    start = utcnow()
    step = timedelta(seconds=interval) if interval > 0 else timedelta(milliseconds=1)
    for n in range(batches):
        # Sample times step on from the start (distinct even on a frozen or coarse clock).
        now = start + n * step
        with session_scope() as session:
            stored, new_alarms = feed(session, points, now, rng, excursion_rate)
        total += stored
        opened += new_alarms
        if n + 1 < batches and interval > 0:
            time.sleep(interval)
    typer.echo(f"已写入 {total} 条读数，新开报警 {opened} 条（{len(points)} 个测点，{batches} 批）")
