import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mediation.ops.keys import RotationError, rotate


class Command(BaseCommand):
    help = (
        "用新的 PII_KEY 重新加密全部个人信息字段与已存文书、材料（旧密钥由环境变量 "
        "PII_KEY_OLD 提供）；可重复执行，中断后再次运行即可"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        old = os.environ.get("PII_KEY_OLD", "")
        try:
            if len(bytes.fromhex(old)) != 32:
                raise ValueError
        except ValueError:
            raise CommandError(
                "PII_KEY_OLD must be the previous key: 64 hexadecimal digits"
            ) from None
        try:
            done = rotate(old)
        except RotationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"values={done.values} files={done.files}")
