"""The parties' signed agreement (issue 29): the organisation's PAdES signature on a stored
agreement PDF, in-process with a self-signed demo pair (target: median ≤ 150 ms), and the
check of that signature with pyHanko's validator beside it."""

import statistics
import tempfile
import time
from types import SimpleNamespace


def _median_ms(fn, runs):
    fn()  # warm: the key loaded once per process
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def run(args):
    import django

    django.setup()
    from django.conf import settings

    from bench.pdf import _ctx, _world
    from mediation.documents import fonts, pades, render_ctx

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-parties-")
    settings.SIGNING_KEY_FILE = settings.SIGNING_CERT_FILE = ""
    case_row, rows = _world()
    pdf = render_ctx("agreement", _ctx(case_row, rows, fonts.font_name()))
    case = SimpleNamespace(org=SimpleNamespace(name="红寺堡镇人民调解委员会", region="红寺堡镇"))
    signed = pades.sign_pdf(pdf, case)
    med, lo, hi = _median_ms(lambda: pades.sign_pdf(pdf, case), 25)
    verdict = "ok" if med <= 150 else "OVER"
    print(f"sign agreement (PAdES): median {med:.1f} ms (min {lo:.1f}, max {hi:.1f}) {verdict}")
    med, lo, hi = _median_ms(lambda: pades.verify_pdf(signed), 10)
    print(f"verify signed agreement: median {med:.1f} ms (min {lo:.1f}, max {hi:.1f})")
