"""Font selection: PDF_FONT_PATH, else Debian's WQY Micro Hei, else built-in STSong-Light."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from mediation.documents import fonts


def test_auto_prefers_the_embedded_font_when_installed(settings, ttf_font):
    settings.PDF_FONT_MODE = "auto"
    settings.PDF_FONT_PATH = ""
    assert fonts.font_path() == fonts.WQY_PATH
    assert fonts.configured_mode() == "ttf"
    assert fonts.font_name() == fonts.TTF_NAME


def test_auto_falls_back_to_cid_without_a_font_file(settings, monkeypatch):
    settings.PDF_FONT_MODE = "auto"
    settings.PDF_FONT_PATH = ""
    monkeypatch.setattr(fonts, "WQY_PATH", "/nonexistent/wqy-microhei.ttc")
    assert fonts.configured_mode() == "cid"
    assert fonts.font_name() == fonts.CID_NAME
    settings.PDF_FONT_MODE = "ttf"
    monkeypatch.setattr(fonts, "_registered", {})
    with pytest.raises(ImproperlyConfigured):
        fonts.font_name()


def test_configured_path_must_exist_and_mode_must_be_known(settings):
    settings.PDF_FONT_PATH = "/nonexistent/font.ttf"
    with pytest.raises(ImproperlyConfigured):
        fonts.font_path()
    settings.PDF_FONT_PATH = ""
    settings.PDF_FONT_MODE = "bitmap"
    with pytest.raises(ImproperlyConfigured):
        fonts.configured_mode()
