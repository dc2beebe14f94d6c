"""Fan-out of committed events to the channel layer groups (DESIGN.md §5).

Groups: `org.<id>` per organisation, `case.<id>` for watchers, `district` for supervisors.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def groups_for(orgs, case_id) -> list[str]:
    return [f"org.{o}" for o in orgs] + [f"case.{case_id}", "district"]


def publish(message: dict, *, orgs, case_id) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups_for(orgs, case_id):
        try:
            async_to_sync(layer.group_send)(group, {"type": "event.message", "event": message})
        except Exception:  # a lost push is recovered by the client's resume-from-id
            log.exception("push of event %s to %s failed", message.get("id"), group)
