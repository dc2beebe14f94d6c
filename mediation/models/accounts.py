"""Users' previous password hashes (等保 2.0 level 3: a changed password may not be a recent
one)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, so a change cannot go back to a recent one
    (等保 2.0 level 3 identification: password complexity and regular change;
    config.passwords.HistoryValidator)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
