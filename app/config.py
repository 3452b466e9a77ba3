"""One settings object for the whole service (environment prefix SHUANGKONG_)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSECURE_DEFAULT_SECRET = "insecure-default-secret-change-me"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUANGKONG_", env_file=".env", extra="ignore")

    # production refuses the default secret; demo and test may use it.
    mode: Literal["production", "demo", "test"] = "production"
    # Uploads, generated reports, the default SQLite files. Resolved to an absolute path when loaded.
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str = ""
    # A streaming replica of database_url (PostgreSQL hot standby) for the heavy reads: ledger lists,
    # statistics, maps and exports. Empty: those read the primary too. See docs/operations.md.
    database_read_url: str = ""
    secret_key: str = INSECURE_DEFAULT_SECRET
    rules_dir: Path = PROJECT_ROOT / "rules"
    timezone: str = "Asia/Shanghai"
    max_upload_mb: int = 20
    # JSON and form bodies; uploads (multipart) may be max_upload_mb plus 1 MB of form fields.
    max_body_kb: int = 1024
    token_ttl_hours: int = 12
    # Each server process re-checks a token it has seen against the database after this many seconds:
    # a token revoked in another process (or a deactivated user) is refused at most this long after.
    # 0 checks on every request.
    auth_cache_seconds: float = 5
    # Per account and source address (the lock-out), and per source address over all accounts.
    login_max_failures: int = 5
    login_max_failures_per_source: int = 50
    login_window_minutes: int = 15
    # Failed-login records (login_attempts) are kept this long, then pruned by auth.prune_login_records;
    # 《网络安全法》第二十一条 asks for network logs to be kept at least six months. 0 keeps them forever.
    login_attempts_retention_days: int = 180
    # Years the holiday calendar package does not know yet: count Mon–Fri (project default) or refuse.
    workdays_unknown_year: Literal["weekdays", "refuse"] = "weekdays"
    # Cookies marked Secure are only sent over HTTPS; the local demo runs on plain HTTP.
    secure_cookies: bool = True

    @model_validator(mode="after")
    def _defaults(self) -> "Settings":
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'shuangkong.db').as_posix()}"
        return self

    def check_secret(self) -> None:
        if self.mode == "production" and self.secret_key == INSECURE_DEFAULT_SECRET:
            raise RuntimeError(
                "SHUANGKONG_SECRET_KEY 未设置：生产模式拒绝使用默认密钥。"
                "请设置一个随机长字符串，或以 SHUANGKONG_MODE=demo 运行演示。"
            )
        if self.mode == "production" and len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise RuntimeError(
                f"SHUANGKONG_SECRET_KEY 过短：生产模式要求至少 {MIN_SECRET_BYTES} 字节的随机字符串"
                f"（当前 {len(self.secret_key.encode())} 字节），可用 "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))' 生成。"
            )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
