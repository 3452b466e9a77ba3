"""Application errors: one hierarchy, one JSON shape {"error", "detail", "field"}."""

from typing import Any


class AppError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": type(self).__name__, "detail": self.detail}
        if self.field:
            out["field"] = self.field
        out.update(self.extra)
        return out


class BadInput(AppError):
    status_code = 422


class NotAuthenticated(AppError):
    status_code = 401


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class TooLarge(AppError):
    status_code = 413


class TooManyRequests(AppError):
    status_code = 429
