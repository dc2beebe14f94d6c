"""Domain errors. The API maps each to one HTTP status (one table, in mediation.api)."""

from typing import Any


class DomainError(Exception):
    # `errors` maps field names to their messages (lists of strings or a form's ErrorList)
    status = 400

    def __init__(self, detail: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class InvalidFields(DomainError):
    """400: the input is wrong; `errors` maps field names to lists of messages."""

    status = 400


class NotPermitted(DomainError):
    """403: the caller may see the case but may not do this."""

    status = 403


class NotVisible(DomainError):
    """404: the case does not exist for this caller."""

    status = 404


class StateConflict(DomainError):
    """409: stale or impossible transition; carries the current state."""

    status = 409

    def __init__(
        self, detail: str, current_state: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail, errors)
        self.current_state = current_state


class NumberTaken(StateConflict):
    """409: a partner's number (信访件编号, 委派/委托编号, 民特 number) already names another
    case of the same issuing organisation; `existing_case` is that case's id and number."""

    def __init__(
        self, detail: str, field: str, case_id: int, case_number: str, current_state: str
    ) -> None:
        super().__init__(detail, current_state, {field: [detail]})
        self.existing_case = {"id": case_id, "number": case_number}


class TextChanged(StateConflict):
    """409: a party signed a text that has changed since they read it; carries the text
    and its SHA-256 as they are now, so the party reads it again (DESIGN.md §12.2)."""

    def __init__(self, detail: str, current_state: str, text: str, sha256: str) -> None:
        super().__init__(detail, current_state, {"sha256": [detail]})
        self.text = text
        self.sha256 = sha256


class KeyReused(DomainError):
    """422: an Idempotency-Key sent again with another request (DESIGN.md §12.3)."""

    status = 422


class PreconditionFailed(DomainError):
    """412: the caller's `If-Match` names an older version of the case; carries the current
    ETag so the client can read the case again and retry."""

    status = 412

    def __init__(self, detail: str, etag: str) -> None:
        super().__init__(detail)
        self.etag = etag
