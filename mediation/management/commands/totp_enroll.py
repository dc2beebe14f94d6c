from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import separation


class Command(BaseCommand):
    help = (
        "为账号签发一次性动态口令绑定链接（24小时内有效）；账号本人登录后打开链接，"
        "自己生成并绑定密钥（三员分立：密钥不由他人选择）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            # A second factor is replaced only through a confirmed change (config.separation).
            raise CommandError(f"{username} has a second factor: request a reset in the admin")
        token = separation.issue_enrolment(user)
        base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
        self.stdout.write(f"{base}/account/second-factor/{token}/")
