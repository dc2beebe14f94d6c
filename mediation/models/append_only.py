"""The base of the append-only records (CaseEvent, AuditEvent): a row is written once and
never changed or deleted through the ORM. The database enforces the same with a trigger
and, on PostgreSQL, the application role's grants (docs/security.md)."""

from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import models


def _refuse(model: type[models.Model]) -> ValidationError:
    return ValidationError(f"{model.__name__} rows are append-only")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise _refuse(self.model)

    def delete(self) -> NoReturn:
        raise _refuse(self.model)


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise _refuse(type(self))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise _refuse(type(self))
