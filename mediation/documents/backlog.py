"""Documents whose rendering was put off (the demo seed): a queue of jobs in a file beside
the documents, rendered after the server answers (`manage.py serve`).

Each job is what the event would have run on commit (`records.run_job`), so a deferred
document is produced by its event's code path, with its event. Until it is, a page that
asks for it renders it on demand (`records.ensure`), and the late job then skips it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from .records import Job, run_job

# How often the queue file is rewritten while rendering: an interrupted run loses little.
SAVE_EVERY = 10


def path() -> Path:
    return Path(settings.MEDIA_ROOT) / "pending-documents.json"


def save(jobs: list[Job]) -> None:
    """Replace the queue with `jobs` (none: remove it). Written beside and renamed, so a
    reader never sees half a file."""
    target = path()
    if not jobs:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(jobs), encoding="utf-8")
    os.replace(tmp, target)


def add(jobs: list[Job]) -> None:
    save(pending() + jobs)


def pending() -> list[Job]:
    try:
        jobs = json.loads(path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    return jobs if isinstance(jobs, list) else []


def render(progress: Callable[[int, int], None] | None = None, every: float = 3.0) -> int:
    """Render every queued job in order; `progress(done, total)` at most every `every`
    seconds and at the end. Returns the number of jobs run."""
    jobs = pending()
    total = len(jobs)
    last = time.monotonic()
    for done, job in enumerate(jobs, start=1):
        run_job(job, late=True)
        if done % SAVE_EVERY == 0:
            save(jobs[done:])
        if progress and time.monotonic() - last >= every:
            progress(done, total)
            last = time.monotonic()
    save([])
    if progress and total:
        progress(total, total)
    return total
