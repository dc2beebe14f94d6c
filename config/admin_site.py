from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from django_otp.admin import OTPAdminSite


class SecureAdminSite(OTPAdminSite):
    """The admin, for staff verified by a TOTP device only (django-otp)."""

    site_header = gettext_lazy("大调解 管理后台")
    site_title = gettext_lazy("大调解")
    index_title = gettext_lazy("系统管理")

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def get_urls(self) -> list[Any]:
        # lazy: the separation pages import models, which load after this site is made.
        from config import separation_admin

        return separation_admin.urls(self) + super().get_urls()


class ReadOnlyAdminMixin:
    """Records that change only through their own service (or never): viewable, no more."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
