"""The CJK font of the documents, registered once per process.

Two modes:
- `ttf`: an embedded TrueType font — `settings.PDF_FONT_PATH`, else Debian's
  fonts-wqy-microhei (Apache-2.0) when installed. A `.ttc` collection needs the sub-font
  index (`PDF_FONT_SUBFONT`, default 0). CFF-outline fonts (Noto/Source Han) do not work
  in reportlab's TTF support. Embedded subsets make the PDF self-contained: archives.
- `cid`: reportlab's built-in `STSong-Light` (Adobe-GB1), not embedded: the viewer
  supplies the glyphs. Fine to read and print, not for long-term archives.

`settings.PDF_FONT_MODE` (env PDF_FONT_MODE): `auto` (ttf when a font file is found, else
cid), `ttf` or `cid` (tests force each).
"""

import os
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from . import linebreak

WQY_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TTF_NAME = "DtjSans"
CID_NAME = "STSong-Light"

_lock = threading.Lock()
_registered: dict[str, str] = {}


def font_path() -> str:
    configured = settings.PDF_FONT_PATH or ""
    if configured:
        if not os.path.exists(configured):
            raise ImproperlyConfigured(f"PDF_FONT_PATH {configured!r} does not exist")
        return configured
    return WQY_PATH if os.path.exists(WQY_PATH) else ""


def configured_mode() -> str:
    mode = (settings.PDF_FONT_MODE or "auto").lower()
    if mode not in {"auto", "ttf", "cid"}:
        raise ImproperlyConfigured("PDF_FONT_MODE must be auto, ttf or cid")
    if mode == "auto":
        return "ttf" if font_path() else "cid"
    return mode


def _register(mode: str) -> str:
    if mode == "ttf":
        path = font_path()
        if not path:
            raise ImproperlyConfigured(
                "PDF_FONT_MODE=ttf but no font: set PDF_FONT_PATH or install fonts-wqy-microhei"
            )
        index = int(settings.PDF_FONT_SUBFONT or 0)
        # a .ttc holds several faces: name the one wanted
        if path.lower().endswith(".ttc"):
            font = TTFont(TTF_NAME, path, subfontIndex=index)
        else:
            font = TTFont(TTF_NAME, path)
        pdfmetrics.registerFont(font)
        return TTF_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(CID_NAME))
    return CID_NAME


def font_name(mode: str | None = None) -> str:
    """The registered font name for `mode` (default: the configured one), registering it
    on first use. Parsing the 5 MB TTC costs ~60 ms, so it happens once per process."""
    mode = mode or configured_mode()
    name = _registered.get(mode)
    if name is None:
        with _lock:
            name = _registered.get(mode)
            if name is None:
                linebreak.install()
                name = _registered[mode] = _register(mode)
    return name


def register() -> str:
    """Start-up hook: register the configured font now rather than on the first PDF."""
    return font_name()
