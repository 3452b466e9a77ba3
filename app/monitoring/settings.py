"""Monitoring settings (SHUANGKONG_MONITORING_*). Every figure here is a project default except the legal
minimum retention, which comes from the rule files (workflow-time-limits: monitoring_retention_min)."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.rules_engine import time_limit


class MonitoringSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUANGKONG_MONITORING_", env_file=".env", extra="ignore")

    # How long readings are kept (days). Never less than the legal minimum (see legal_minimum_days()).
    retention_days: int = 90
    # Monthly partitions made ahead of the current month (PostgreSQL).
    partitions_ahead: int = 2
    # A point silent past this many sampling intervals raises a 数据中断 alarm (issue 19: 3×).
    stale_factor: int = 3
    # Minutes within which an alarm must be acknowledged (project default; no public figure found).
    ack_minutes_hh: int = 10
    ack_minutes_other: int = 30
    # Readings in one batch (JSON or CSV).
    max_batch: int = 5000
    # How far a reading's timestamp may lie in the future (clock drift of a gateway), seconds.
    max_future_seconds: int = 300
    # The local hour by which the day's 承诺公告 must be filed; the job flags a missing one after it.
    commitment_due_hour: int = 9
    # Repeated alarms on one point within this many hours raise a hazard suggestion (count below).
    repeat_window_hours: int = 24
    repeat_count: int = 3
    # The monitoring board reloads itself this often (seconds).
    board_refresh_seconds: Annotated[int, Field(ge=2, le=600)] = 10


@lru_cache
def get_monitoring_settings() -> MonitoringSettings:
    return MonitoringSettings()


def legal_minimum_days() -> int:
    """危险化学品重大危险源监督管理暂行规定 第十三条第（一）项: electronic records kept ≥ 30 days."""
    return time_limit("monitoring_retention_min").value


def effective_retention_days() -> int:
    return max(get_monitoring_settings().retention_days, legal_minimum_days())
