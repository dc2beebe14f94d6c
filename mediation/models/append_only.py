"""The base of the append-only records (CaseEvent, AuditEvent): a row is written once and
never changed or deleted through the ORM. The database enforces the same with a trigger
and, on PostgreSQL, the application role's grants (docs/security.md)."""

from django.core.exceptions import ValidationError
from django.db import models


def _refuse(model) -> ValidationError:
    return ValidationError(f"{model.__name__} rows are append-only")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _refuse(self.model)

    def delete(self):
        raise _refuse(self.model)


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse(type(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self))
