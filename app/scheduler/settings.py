"""Scheduler and 双随机 draw settings (SHUANGKONG_ prefix, owned by this domain)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUANGKONG_", env_file=".env", extra="ignore")

    # A SQLite lease outlives a crashed process by at most this long.
    scheduler_lease_seconds: int = 3600
    # A run still "running" this long after it started was cut off (process killed): it is marked failed.
    scheduler_stuck_run_hours: float = 6.0
    # Finished runs older than this are pruned by scheduler.prune_history.
    scheduler_history_days: int = 90
    # 双随机: the policy gives blue enterprises 0 fixed inspections, yet they stay in the random pool;
    # this floor is the monthly chance for any level below it (project default, 6%/month ≈ 0.7/year).
    draw_min_monthly_rate: float = 0.06
    draw_inspectors_per_item: int = 2  # 执法检查不少于两人
    draw_avoid_last_inspectors: bool = True
    # With a salt the seed of a month cannot be guessed before the draw; it is published with the plan.
    draw_seed_salt: str = ""


@lru_cache
def get_scheduler_settings() -> SchedulerSettings:
    return SchedulerSettings()
