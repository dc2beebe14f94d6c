from django.utils.translation import gettext_lazy
from django_otp.admin import OTPAdminSite


class SecureAdminSite(OTPAdminSite):
    """The admin, for staff verified by a TOTP device only (django-otp)."""

    site_header = gettext_lazy("大调解 管理后台")
    site_title = gettext_lazy("大调解")
    index_title = gettext_lazy("系统管理")

    def __init__(self, name="admin"):
        super().__init__(name)


class ReadOnlyAdminMixin:
    """Records that change only through their own service (or never): viewable, no more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
