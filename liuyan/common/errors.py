"""Domain errors: each carries a stable code, an HTTP status and a message in Chinese and English."""

from typing import Any


class LiuyanError(Exception):
    """Base of every error the platform shows to a user or an API client."""

    code = "error"
    status = 400

    def __init__(self, zh: str, en: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        if code is not None:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.zh, "message_en": self.en}
        if self.details is not None:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


class InvalidInput(LiuyanError):
    code = "invalid_input"
    status = 400


class NotAuthenticated(LiuyanError):
    code = "not_authenticated"
    status = 401


class Forbidden(LiuyanError):
    code = "forbidden"
    status = 403


class NotFound(LiuyanError):
    code = "not_found"
    status = 404


class InvalidTransition(LiuyanError):
    """The action is not possible in the message's current state."""

    code = "invalid_transition"
    status = 409


class Conflict(LiuyanError):
    """Someone else changed the message between reading it and acting on it."""

    code = "conflict"
    status = 409


class RateLimited(LiuyanError):
    code = "rate_limited"
    status = 429


class ServiceUnavailable(LiuyanError):
    code = "unavailable"
    status = 503
