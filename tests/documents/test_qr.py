"""The tracking QR code on every page: read back from the rendered page, module by module,
and compared with reportlab's own QR widget encoding of the tracking URL."""

import re
import subprocess
import tempfile
from pathlib import Path

from reportlab.graphics.barcode.qr import QrCodeWidget

from mediation import documents
from mediation.documents.layout import MARGIN_X, PAGE_W, QR_SIZE, tracking_url
from mediation.law.choices import State

DPI = 300
SCALE = DPI / 72


def reference_modules(url):
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    return [[bool(m) for m in row] for row in widget.qr.modules]


def sample_modules(pdf: bytes, page: int, count: int, border=2):
    from reportlab.lib.units import mm

    x0, top = PAGE_W - MARGIN_X - QR_SIZE, 8 * mm  # the QR's top-left corner, from the top
    box = QR_SIZE / (count + 2 * border)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "d.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(DPI),
                "-gray",
                "-f",
                str(page),
                "-l",
                str(page),
                "-x",
                str(int(x0 * SCALE)),
                "-y",
                str(int(top * SCALE)),
                "-W",
                str(int(QR_SIZE * SCALE) + 2),
                "-H",
                str(int(QR_SIZE * SCALE) + 2),
                "-singlefile",
                str(src),
                str(Path(tmp) / "qr"),
            ],
            check=True,
        )
        raw = (Path(tmp) / "qr.pgm").read_bytes()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
    w = int(m.group(1))
    pix = raw[m.end() :]
    ox, oy = x0 * SCALE - int(x0 * SCALE), top * SCALE - int(top * SCALE)
    out = []
    for r in range(count):
        row = []
        for c in range(count):
            px = int(ox + (c + border + 0.5) * box * SCALE)
            py = int(oy + (r + border + 0.5) * box * SCALE)
            row.append(pix[py * w + px] < 128)
        out.append(row)
    return out


def test_every_page_carries_the_tracking_qr(world, settings):
    settings.PORTAL_BASE_URL = "https://tiaojie.example.gov.cn"
    case = world.make_case(State.CLOSED)
    url = tracking_url(case)
    assert url == f"https://tiaojie.example.gov.cn/track/{case.tracking_token}/"
    assert len(case.tracking_token) >= 32  # unguessable, unlike the case number
    expected = reference_modules(url)
    pdf = documents.render("case_file", case)
    for page in (1, 3):
        assert sample_modules(pdf, page, len(expected)) == expected
