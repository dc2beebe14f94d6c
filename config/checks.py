"""Deployment checks for the security settings that Django's own --deploy checks miss."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def pii_key_is_not_the_default(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.PII_KEY == settings.DEV_PII_KEY:
        return [
            Error(
                "PII_KEY is the public development key: personal data would be encrypted "
                "with a key everyone knows.",
                hint="Set PII_KEY to 64 random hex digits (python -c 'import secrets; "
                "print(secrets.token_hex(32))') and keep it with the backups.",
                id="datiaojie.E001",
            )
        ]
    return []
