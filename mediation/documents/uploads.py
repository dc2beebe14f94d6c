"""Uploaded files made safe to keep and to file (DESIGN §9, issue #30).

PDFs: counted with qpdf (pikepdf) within a page cap and a time budget — the declared page
count is read first, so a 100,000-page file is refused before its page tree is walked — and
stripped of active content (JavaScript, OpenAction, Launch and other actions, additional
actions, embedded files, XFA) before they enter the 卷宗; the upload itself is stored as
received. Images: the pixel count is read from the header and refused before any decode,
and decodes run one at a time per process, so a handful of large photos cannot together
take the server's memory.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pikepdf
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

# A phone photo is ~12 MP (~36 MB decoded as RGB); 25 MP bounds one decode near 100 MB.
MAX_PIXELS = 25_000_000
PDF_SECONDS = 5.0
# Actions that run or fetch something; /GoTo (within the file) and /URI links stay.
ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/ResetForm",
    "/GoToE",
    "/GoToR",
    "/RichMediaExecute",
    "/Rendition",
    "/Sound",
    "/Movie",
}
ACTIVE_KEYS = ("/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/XFA")
ACTIVE_ANNOTS = {"/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia"}

_decode_slot = threading.BoundedSemaphore(1)


def max_pages() -> int:
    return settings.ATTACHMENT_MAX_PAGES


def pdf_pages(data: bytes) -> int:
    """The page count of an acceptable PDF; ValueError with the user's reason if not."""
    deadline = time.monotonic() + PDF_SECONDS
    try:
        # inherit_page_attributes=False: pikepdf would otherwise visit every page on open
        with pikepdf.open(io.BytesIO(data), inherit_page_attributes=False) as pdf:
            if pdf.is_encrypted:
                raise ValueError(_("PDF文件已加密，无法归入卷宗，请上传未加密的文件"))
            _bounded_count(pdf.Root.Pages, deadline)
            pages = len(pdf.pages)  # qpdf's own walk, now known to be bounded
            for page in pdf.pages:
                page.mediabox  # noqa: B018 (a page without a box cannot be filed)
                _in_time(deadline)
    except pikepdf.PasswordError as exc:
        raise ValueError(_("PDF文件已加密，无法归入卷宗，请上传未加密的文件")) from exc
    except (pikepdf.PdfError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ValueError(_("PDF文件已损坏，无法读取")) from exc
    if pages < 1:
        raise ValueError(_("PDF文件没有页面"))
    return pages


def _bounded_count(root: pikepdf.Object, deadline: float) -> int:
    """Pages under `root`, refusing as soon as they pass the cap: the declared /Count
    first, then the tree itself (a /Count may lie), never visiting more than the cap."""
    cap = max_pages()
    if int(root.get("/Count", 0)) > cap:
        raise ValueError(too_many_pages())
    count, stack, seen = 0, [root], set()
    while stack:
        node = stack.pop()
        if node.is_indirect:
            if node.objgen in seen:
                raise ValueError(_("PDF文件已损坏，无法读取"))  # a loop in the page tree
            seen.add(node.objgen)
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            if len(kids) + count + len(stack) > cap:
                raise ValueError(too_many_pages())
            stack.extend(kids)
        else:
            count += 1
        _in_time(deadline)
    return count


def _in_time(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise ValueError(_("PDF文件过于复杂，无法在限定时间内读取"))


def too_many_pages() -> str:
    return _("PDF文件超过%(n)d页，请分册上传") % {"n": max_pages()}


def without_active_content(data: bytes) -> bytes:
    """The PDF with every action that runs or fetches something, every additional action,
    embedded file and XFA form removed; pages, text and images as they were."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        seen: set[tuple[int, int]] = set()
        _clean(pdf.Root, seen)
        for page in pdf.pages:
            _clean(page.obj, seen)
        for obj in pdf.objects:
            _clean(obj, seen)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _clean(obj: object, seen: set[tuple[int, int]]) -> None:
    if not isinstance(obj, pikepdf.Object):
        return  # numbers, booleans, names and strings come back as Python values
    if obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            _clean(item, seen)
        return
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return
    for key in ACTIVE_KEYS:
        if key in obj:
            del obj[key]
    if obj.get("/S") in ACTIVE_ACTIONS:
        obj.S = pikepdf.Name.GoTo  # a harmless action with no target does nothing
        for key in list(obj.keys()):
            if key not in ("/Type", "/S"):
                del obj[key]
    if "/Next" in obj:
        del obj["/Next"]  # a chained action could be any of the above
    annots = obj.get("/Annots")
    if isinstance(annots, pikepdf.Array):
        keep = [a for a in annots if a.get("/Subtype") not in ACTIVE_ANNOTS]
        obj.Annots = pikepdf.Array(keep)
    for key in list(obj.keys()):
        if key not in ("/Parent", "/P"):  # up-links: their targets are cleaned on their own
            _clean(obj[key], seen)


@contextmanager
def decode_slot() -> Iterator[None]:
    """One image decode at a time in this process (each bounded by MAX_PIXELS)."""
    with _decode_slot:
        yield


def check_image(data: bytes) -> None:
    """An acceptable JPEG or PNG: within the pixel bound by its header, then decoded (one
    at a time); ValueError with the user's reason if not."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG"):
                raise ValueError(_("只接受PDF、JPEG或PNG文件（按文件内容识别）"))
            refuse_large(image.width, image.height)
            image.verify()
        with decode_slot(), Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() checks structure; load() decodes the pixels
    except ValueError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise ValueError(_("图片文件已损坏，无法读取")) from exc


def refuse_large(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ValueError(
            _("图片像素过大（%(w)d×%(h)d），最多%(mp)d百万像素，请缩小后上传")
            % {"w": width, "h": height, "mp": MAX_PIXELS // 1_000_000}
        )
