"""Issue #30 "exports and files": formulas in exported cells, active content in uploaded
PDFs, decompression bombs (images, page trees, zip archives). Every hostile file is made
here, small and fast."""

import io
import threading
import time
import zipfile

import pikepdf
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from PIL import Image, ImageFile
from rest_framework.test import APIClient

from mediation.documents import uploads
from mediation.law.choices import State
from mediation.models import Attachment, crypto
from mediation.ops import importer
from tests.documents.test_records import pdf_bytes, upload

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def cells(response):
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content)
    wb = load_workbook(io.BytesIO(data))  # not read-only: data_type tells formulas apart
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]


# -- exports ----------------------------------------------------------------------------


def test_no_exported_cell_starts_a_formula(world):
    world.make_case(region=FORMULA, summary="+SUM(1,2) 邻里纠纷", village="@evil")
    client = client_for(world.supervisor)
    for url in ("/api/stats/export.xlsx", "/api/cases/export.xlsx"):
        found = cells(client.get(url))
        assert not [c.coordinate for c in found if c.data_type == "f"], url
        texts = [c.value for c in found if isinstance(c.value, str)]
        assert not [t for t in texts if t[:1] in "=+-@\t\r"], url
        assert "'" + FORMULA in texts, url


def test_the_import_workbook_writes_no_formula(tmp_path):
    path = tmp_path / "out.xlsx"
    importer.write_workbook(path, [{"案号": "=1+1", "纠纷事实": "\t-2"}])
    values = [c.value for row in load_workbook(path).active.iter_rows() for c in row]
    assert "'=1+1" in values and "'\t-2" in values


# -- PDFs: active content ---------------------------------------------------------------


def active_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0].obj
    js = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('pwned')"))
    )
    pdf.Root.OpenAction = js
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js]))
    )
    page.AA = pikepdf.Dictionary(
        O=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    )
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 50, 50]),
        A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('x')")),
    )
    page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def active_parts(data: bytes) -> list[str]:
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                found += [k for k in obj.keys() if k in ("/JS", "/AA", "/OpenAction")]
                if obj.get("/S") in ("/JavaScript", "/Launch"):
                    found.append(str(obj.S))
    return found + [s for s in ("pwned", "calc.exe") if s.encode() in data]


def test_uploaded_pdf_enters_the_case_file_without_active_content(world):
    hostile = active_pdf()
    assert active_parts(hostile)  # the test file really carries them
    case = world.make_case(State.ACCEPTED)
    r = upload(client_for(world.head), case, "evidence", "x.pdf", hostile)
    assert r.status_code == 201, r.content
    # stored as received ...
    att = Attachment.objects.get(pk=r.json()["id"])
    assert crypto.read_stored(att.file.name) == hostile
    # ... filed without anything that runs
    casefile = client_for(world.head).get(f"/api/cases/{case.pk}/documents/case_file.pdf")
    assert casefile.status_code == 200
    assert active_parts(casefile.content) == []


# -- images: pixels bounded from the header, decoded one at a time ----------------------


def big_png(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG")  # 1 bit a pixel: a few KB, made fast
    return buf.getvalue()


def test_an_image_over_25_megapixels_is_refused_from_its_header(world, monkeypatch):
    data = big_png(7700)  # 59.3 MP in ~10 KB (the PNG was 461 KB)
    assert len(data) < 500_000

    def no_decode(self):
        raise AssertionError("decoded before the pixel check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decode)
    case = world.make_case(State.ACCEPTED)
    r = upload(client_for(world.head), case, "evidence", "big.png", data)
    assert r.status_code == 400
    assert "像素过大" in r.json()["errors"]["file"][0]
    assert not Attachment.objects.filter(case=case).exists()


def test_images_are_decoded_one_at_a_time(monkeypatch):
    data = big_png(100)
    busy, peak, lock = [0], [0], threading.Lock()
    real = ImageFile.ImageFile.load

    def slow_load(self):
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        time.sleep(0.05)
        try:
            return real(self)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(ImageFile.ImageFile, "load", slow_load)
    threads = [threading.Thread(target=uploads.check_image, args=(data,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1


# -- PDFs: page trees -------------------------------------------------------------------


def many_pages(n: int, declared: int | None = None) -> bytes:
    """A valid PDF of `n` empty pages written directly (pikepdf would take seconds);
    `declared` puts another number in /Count (a page tree may lie)."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Count %d/Kids[" % (declared if declared is not None else n)
        + b" ".join(b"%d 0 R" % (i + 3) for i in range(n))
        + b"]>>",
    ]
    objects += [b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 9 9]>>"] * n
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(
        b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_a_65537_page_pdf_is_refused_not_stored_as_one_page(world):
    case = world.make_case(State.ACCEPTED)
    r = upload(client_for(world.head), case, "evidence", "huge.pdf", many_pages(65_537))
    assert r.status_code == 400
    assert "超过1000页" in r.json()["errors"]["file"][0]
    assert not Attachment.objects.filter(case=case).exists()


@pytest.mark.parametrize("declared", [100_000, 1])
def test_a_100000_page_pdf_is_a_quick_400(declared):
    data = many_pages(100_000, declared=declared)
    started = time.monotonic()
    with pytest.raises(ValueError, match="超过1000页"):
        uploads.pdf_pages(data)
    assert time.monotonic() - started < 5


def test_a_pdf_within_the_cap_keeps_its_page_count(world):
    case = world.make_case(State.ACCEPTED)
    r = upload(client_for(world.head), case, "evidence", "ok.pdf", pdf_bytes(3))
    assert r.status_code == 201 and r.json()["pages"] == 3


# -- the importer: zip bombs ------------------------------------------------------------


def zip_bomb(path, megabytes: int) -> None:
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(block)


def test_an_importer_zip_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 600)
    assert path.stat().st_size < 5 * 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("the archive was opened for reading")

    monkeypatch.setattr(importer.CalamineWorkbook, "from_path", never)
    with pytest.raises(CommandError, match="压缩炸弹"):
        call_command("import_cases", str(path), "--no-progress")


def test_a_member_larger_than_declared_is_refused(tmp_path, monkeypatch):
    """The declared sizes can lie: each member is also inflated in bounded chunks."""
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 3)
    with pytest.raises(importer.ImportFileError, match="压缩炸弹"):
        importer.check_archive(path, limit=2 * 1024 * 1024 + 1)
    real = zipfile.ZipFile.infolist

    def lying(self):
        infos = real(self)
        for info in infos:
            info.file_size = 10  # as a forged directory would say
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    with pytest.raises(importer.ImportFileError):
        importer.check_archive(path, limit=2 * 1024 * 1024 + 1)
