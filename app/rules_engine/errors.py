"""Errors of the rules engine. Messages are user-facing (Chinese) and name the offending input or file."""

from app.errors import BadInput, NotFound


class RuleInputError(BadInput):
    """A case, input or rule-set reference that cannot be evaluated. The message starts with the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message, field=field or None)


class RuleSetNotFound(NotFound):
    """GET of a rule set id/version that does not exist."""


class RuleFileError(Exception):
    """One or more rule files are invalid; each message reads "file: path.to.field: problem"."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors
