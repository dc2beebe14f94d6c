"""Issue 30: Debian's stock nginx capped the site near 720 sockets, and nginx's error log
recorded full query strings with ID numbers. The shipped main file (deploy/nginx/nginx.conf)
sets the limits for 5,000 sockets, and neither it nor the site logs request lines."""

import os
import re
import time
import urllib.error
import urllib.request

import pytest

from tests.live.daphne import free_port

from .stack import MAIN, NGINX, SITE, Nginx
from .test_stack import TLS

TARGET_SOCKETS = 5000


def directive(text: str, name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", text, re.M)
    assert len(found) == 1, (name, found)
    return found[0].strip()


def test_the_shipped_limits_hold_5000_sockets():
    text = MAIN.read_text()
    # each proxied websocket is two connections in its worker, and one worker may hold
    # most of them
    connections = int(directive(text, "worker_connections"))
    assert connections >= 2 * TARGET_SOCKETS + 1000
    assert int(directive(text, "worker_rlimit_nofile")) >= connections + 1000
    assert "include /etc/nginx/sites-enabled/*;" in text  # the site is read from there


def test_no_shipped_error_log_records_request_lines():
    for path in (MAIN, SITE):
        for level in re.findall(r"^\s*error_log\s+\S+\s*(\w*);", path.read_text(), re.M):
            assert level in ("crit", "alert", "emerg"), (path.name, level)
    assert "$request " not in SITE.read_text() and '$request"' not in SITE.read_text()


@pytest.mark.skipif(not os.access(NGINX, os.X_OK), reason="nginx is not installed")
def test_a_failed_request_leaves_no_query_string_in_any_nginx_log():
    nginx = Nginx([free_port()]).start()  # nothing listens upstream: every request fails
    try:
        url = f"{nginx.url}/api/cases/?q=640303195503010030&phone=13995312345"
        req = urllib.request.Request(url)
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=TLS))
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(req, timeout=10)
        assert err.value.code == 502
        # nginx writes its access line after the answer: wait for it (a loaded host is slow)
        deadline = time.monotonic() + 5
        logs = nginx.logs()
        while "/api/cases/" not in logs and time.monotonic() < deadline:
            time.sleep(0.1)
            logs = nginx.logs()
        assert "/api/cases/" in logs  # the access log has the path
        assert "640303195503010030" not in logs and "13995312345" not in logs
    finally:
        nginx.stop()
