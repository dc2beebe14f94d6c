"""Loaded as `sitecustomize` (PYTHONPATH=tests/faketime) only by the faketime run of .ci/run.

The suite runs under libfaketime with FAKETIME_DONT_FAKE_MONOTONIC=1: a faked monotonic
clock hangs every lock or Event wait with a timeout (glibc's sem_clockwait is not
intercepted). But libfaketime 0.9.10 then turns Python 3.11's `time.sleep`
(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)) into a negative deadline, and every
sleep raises `OSError: [Errno 22]` (wolfcw/libfaketime#426). Sleep with select() instead,
in this process and in the daphne/nginx subprocesses that inherit the environment.
"""

import os
import time

if "faketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get(
    "FAKETIME_DONT_FAKE_MONOTONIC"
) in ("1", "true"):
    import select

    def _sleep(secs: float) -> None:
        if secs < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], secs)  # retried on EINTR with the remaining time

    time.sleep = _sleep
