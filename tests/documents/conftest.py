"""Helpers for reading generated PDFs back with poppler (pdftotext, pdfinfo, pdftoppm)."""

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State


def _run(args, data: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True)
        return out.stdout


def pdftotext(data: bytes, first=None, last=None, layout=False) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else [])]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return _run(args, data).decode("utf-8")


def page_count(data: bytes) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def ink_fraction(data: bytes, page=1) -> float:
    """Share of non-white pixels of a page rendered at 50 dpi (pdftoppm → PGM)."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "50",
                "-gray",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(Path(tmp) / "page"),
            ],
            check=True,
        )
        raw = (Path(tmp) / "page.pgm").read_bytes()
    # binary PGM: "P5\n<w> <h>\n<max>\n" then one byte per pixel
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
    w, h = int(m.group(1)), int(m.group(2))
    pixels = raw[m.end() : m.end() + w * h]
    assert len(pixels) == w * h
    return sum(1 for p in pixels if p < 200) / (w * h)


def flat(text: str, number: str = "") -> str:
    """Text without whitespace and without the running header/footer of each page."""
    text = text.replace("扫码查询办理进度", "")
    if number:
        text = text.replace(f"案号：{number}", "")
    text = re.sub(r"\s+", "", text)
    return re.sub(r"第\d+页", "", text)


def assert_in_order(text: str, needles, number=""):
    """Every needle appears, each after the previous one."""
    hay = flat(text, number)
    pos = 0
    for needle in needles:
        needle = re.sub(r"\s+", "", needle)
        found = hay.find(needle, pos)
        assert found >= 0, f"{needle!r} not found after position {pos}: …{hay[pos : pos + 120]}…"
        pos = found + len(needle)


def _missing(what: str):
    """CI installs poppler-utils and fonts-wqy-microhei (.ci/run): there a missing tool
    fails; on a developer machine without them the test is skipped, saying why."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(autouse=True)
def _poppler():
    if shutil.which("pdftotext") is None:
        _missing("poppler-utils (pdftotext)")


@pytest.fixture(params=["ttf", "cid"])
def font_mode(request, settings):
    from mediation.documents import fonts

    settings.PDF_FONT_MODE = request.param
    if request.param == "ttf" and not fonts.font_path():
        _missing("a TrueType CJK font (fonts-wqy-microhei or PDF_FONT_PATH)")
    return request.param


def today():
    return timezone.localdate()


def add_session(world, case, record="双方各自陈述了意见。", n=1):
    return services.add_session(
        case,
        case.mediator,
        {
            "held_at": (timezone.now() - dt.timedelta(hours=n)).isoformat(),
            "place": "红寺堡镇人民调解委员会调解室",
            "attendees": "马建国、杨学军、人民调解员马桂兰",
            "record": record,
        },
    )


def agree(world, case, form="written", terms="被申请人于十日内改建排水沟并赔偿申请人三千元。"):
    return services.perform(
        case,
        "reach_agreement",
        case.mediator,
        {
            "form": form,
            "facts": "被申请人修建院墙致申请人院内雨水倒灌，双方就排水沟改建和赔偿发生争议。",
            "responsibilities": "被申请人修建院墙未留排水通道，应承担主要责任。",
            "terms": terms,
            "performance_method": "现金一次性支付",
            "performance_due": (today() + dt.timedelta(days=10)).isoformat(),
            # an oral agreement takes effect the day it is reached: no date (PML art 30)
            **({"effective_date": today().isoformat()} if form == "written" else {}),
        },
    )


@pytest.fixture
def agreed_case(world):
    case = world.make_case(State.MEDIATING)
    add_session(
        world, case, "申请人陈述：雨水从被申请人院墙下流入申请人院内。\n被申请人表示愿意改建。"
    )
    return agree(world, case)


def assert_present(text: str, needles, number=""):
    """Table cells: pdftotext's order inside a table depends on the font's metrics, so a
    form's cells are checked for presence; the flow around them is checked for order."""
    hay = flat(text, number)
    missing = [n for n in needles if re.sub(r"\s+", "", n) not in hay]
    assert not missing, f"missing {missing}"


@pytest.fixture
def ttf_font():
    from mediation.documents import fonts

    if not fonts.font_path():
        _missing("a TrueType CJK font (fonts-wqy-microhei or PDF_FONT_PATH)")
