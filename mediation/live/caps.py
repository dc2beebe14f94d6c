"""How many sockets one user and one client address may hold open (issue 30): without a cap
one address opened 3,839. Counted per daphne process (each process serves its own
sockets); nginx's `limit_conn` on /ws/ bounds an address across the processes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings

from config.security import forwarded_client

CLOSE_TOO_MANY = 4429

_by_address: Counter[str] = Counter()
_by_user: Counter[int] = Counter()


def client_address(scope: dict[str, Any]) -> str:
    client = scope.get("client") or ("", 0)
    forwarded = b",".join(v for n, v in scope.get("headers", []) if n == b"x-forwarded-for")
    return forwarded_client(str(client[0] or ""), forwarded.decode("latin1"))


def take_address(address: str) -> bool:
    if _by_address[address] >= settings.SOCKETS_PER_ADDRESS:
        return False
    _by_address[address] += 1
    return True


def release_address(address: str) -> None:
    _by_address[address] -= 1
    if _by_address[address] <= 0:
        del _by_address[address]


def take_user(user_id: int) -> bool:
    if _by_user[user_id] >= settings.SOCKETS_PER_USER:
        return False
    _by_user[user_id] += 1
    return True


def release_user(user_id: int) -> None:
    _by_user[user_id] -= 1
    if _by_user[user_id] <= 0:
        del _by_user[user_id]


def reset() -> None:
    """Forget every count (tests: each one starts with no sockets open)."""
    _by_address.clear()
    _by_user.clear()
