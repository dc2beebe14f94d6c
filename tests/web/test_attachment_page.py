"""The case page's attachment list and upload form (issue 11), with CSRF enforced."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mediation.law.choices import State
from mediation.models import Attachment


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png():
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 200, 10)).save(buf, "PNG")
    return buf.getvalue()


def test_upload_form_lists_and_refuses(world):
    case = world.make_case(State.MEDIATING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.mediator)
    page = client.get(f"/cases/{case.pk}/")
    html = page.content.decode()
    assert "上传材料" in html and 'enctype="multipart/form-data"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    url = f"/cases/{case.pk}/attachments/"
    # no CSRF token: refused before anything is stored
    refused = client.post(url, {"kind": "evidence", "file": SimpleUploadedFile("a.png", png())})
    assert refused.status_code == 403 and not Attachment.objects.exists()
    ok = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "kind": "evidence",
            "file": SimpleUploadedFile("现场照片.png", png()),
        },
    )
    assert ok.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    att = Attachment.objects.get()
    assert f"/api/cases/{case.pk}/attachments/{att.pk}" in page and "现场照片.png" in page
    bad = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "kind": "evidence",
            "file": SimpleUploadedFile("setup.png", b"MZ\x90\x00" + b"\x00" * 100),
        },
    )
    assert bad.status_code == 400
    assert "只接受PDF、JPEG或PNG文件" in bad.content.decode()
    assert Attachment.objects.count() == 1
    # the outsider gets no page and cannot upload
    outsider = Client()
    outsider.force_login(world.outsider)
    response = outsider.post(url, {"kind": "evidence", "file": SimpleUploadedFile("a.png", png())})
    assert response.status_code == 404
