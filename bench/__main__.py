"""Run the benchmarks: `python -m bench [name ...]` (default: all that exist)."""

import importlib
import os
import sys
import time

ALL = [
    "transitions",
    "api",
    "ws",
    "pdf",
    "stats",
    "calendar",
    "idempotency",
    "webhooks",
    "parties",
    "video",
]


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    names = [a for a in argv if not a.startswith("-")] or ALL
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"== {name}: not present, skipped")
                continue
            raise
        print(f"== {name}")
        started = time.perf_counter()
        module.run([a for a in argv if a.startswith("-")])
        print(f"== {name} done in {time.perf_counter() - started:.1f} s\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
