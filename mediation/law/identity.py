"""Identity numbers: resident ID (GB 11643-1999), phone, unified social credit code
(GB 32100-2015), and the masking used wherever a number meets someone who may not see it."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    gender: str  # "male" | "female"


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_resident_id(value: str) -> ResidentId:
    """Validate an 18-digit resident ID number and derive birth date and gender."""
    number = (value or "").strip().upper()
    if not _ID_RE.match(number):
        raise ValidationError(_("公民身份号码应为18位，最后一位可为数字或X"), code="format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("公民身份号码中的出生日期无效"), code="birth_date") from None
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(_("公民身份号码中的出生日期无效"), code="birth_date")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("公民身份号码校验码错误"), code="checksum")
    gender = "male" if int(number[16]) % 2 else "female"
    return ResidentId(number=number, birth_date=birth, gender=gender)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def validate_phone(value: str) -> str:
    phone = (value or "").strip().replace(" ", "")
    if not (_MOBILE_RE.match(phone) or _LANDLINE_RE.match(phone)):
        raise ValidationError(
            _("电话号码格式不正确（手机11位，或区号-号码的固定电话）"), code="phone"
        )
    return phone


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str, *, strict_checksum: bool | None = None) -> str:
    """Format is always enforced; the check character only when CREDIT_CODE_STRICT is on,
    because intake often records a code read off a blurred licence copy and the design's
    own sample body carries a placeholder code."""
    code = (value or "").strip().upper()
    if not _CREDIT_RE.match(code):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母"), code="credit_code")
    if strict_checksum is None:
        strict_checksum = settings.CREDIT_CODE_STRICT
    if strict_checksum and credit_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验码不正确"), code="credit_checksum")
    return code


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    return value[:-4].rstrip("0123456789") + "****" + value[-4:] if len(value) > 4 else "****"


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value


# -- personal data in free text, and names that lie about their direction ---------------

# A digit as people type it (ASCII or full-width), and what they put between digits:
# spaces (also the ideographic and no-break ones) and hyphens or dashes, at most one mark
# with spaces around it ("640303 1955 0301 0030", "139-9531-2345", "１３９９５３１２３４５").
_D = "[0-9\uff10-\uff19]"
_SEP = "(?:[ \u00a0\u3000]*[-\u2010-\u2015\u2212\uff0d][ \u00a0\u3000]*|[ \u00a0\u3000]+)?"
_NOT_DIGIT_BEFORE = "(?<![0-9\uff10-\uff19])"
_ID_IN_TEXT = re.compile(
    rf"{_NOT_DIGIT_BEFORE}{_D}(?:{_SEP}{_D}){{16}}{_SEP}[0-9Xx\uff10-\uff19\uff38\uff58]"
    r"(?![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
)
_MOBILE_IN_TEXT = re.compile(
    rf"(?:(?P<cc>(?:[+\uff0b]|00)[ \u00a0\u3000]*[8\uff18][6\uff16]{_SEP})|{_NOT_DIGIT_BEFORE})"
    rf"(?P<n>{_D}(?:{_SEP}{_D}){{10}})(?!{_SEP}[0-9\uff10-\uff19])"
)
_LANDLINE_IN_TEXT = re.compile(
    rf"{_NOT_DIGIT_BEFORE}(?P<area>[0\uff10]{_D}{{2,3}}[ \u00a0\u3000]*"
    r"[-\u2010-\u2015\u2212\uff0d)\uff09][ \u00a0\u3000]*)"
    rf"(?P<n>{_D}{{3,4}}{_SEP}{_D}{{4}})(?![0-9\uff10-\uff19])"
)
_FULL_WIDTH = str.maketrans(
    "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff38\uff58", "0123456789XX"
)


def _plain(span: str) -> str:
    """The digits of a span as written, full-width made ASCII, separators dropped."""
    return "".join(ch for ch in span.translate(_FULL_WIDTH) if ch.isalnum()).upper()


def _looks_like_id(number: str) -> bool:
    """18 characters whose birth date part is a date: other long numbers (an amount, an
    account) are left alone."""
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    return number[0] != "0" and 1800 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _mask_id_span(m: re.Match[str]) -> str:
    number = _plain(m.group())
    return mask_id_number(number) if _looks_like_id(number) else m.group()


def _mask_mobile_span(m: re.Match[str]) -> str:
    number = _plain(m.group("n"))
    if not _MOBILE_RE.match(number):
        return m.group()
    return (m.group("cc") or "") + mask_phone(number)


def _mask_landline_span(m: re.Match[str]) -> str:
    return m.group("area") + "****" + _plain(m.group("n"))[-4:]


def mask_free_text(text: str) -> str:
    """Resident ID numbers and phone numbers written into free text (a risk note, a
    reason, a summary) masked like the fields themselves, before the text reaches anyone
    else, in any common writing: spaced or hyphenated groups, full-width digits, after
    `ID`/`身份证` or `+86`/`0086` (the prefix stays, the number is masked)."""
    text = _ID_IN_TEXT.sub(_mask_id_span, text)
    text = _MOBILE_IN_TEXT.sub(_mask_mobile_span, text)
    return _LANDLINE_IN_TEXT.sub(_mask_landline_span, text)


def mask_in(value: Any) -> Any:
    """mask_free_text over every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask_free_text(value)
    if isinstance(value, dict):
        return {k: mask_in(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_in(v) for v in value]
    return value


# Embedding and override controls (U+202A–U+202E), isolates (U+2066–U+2069) and the marks
# (U+200E/U+200F) make a name display differently from what it is ("Trojan Source").
DIRECTION_CONTROLS = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f"]
)


# What no name contains: C0 and C1 controls (ESC, BEL, CR/LF, tab, NUL…), the soft hyphen,
# zero-width and other invisible format characters, line and paragraph separators, and the
# direction controls above. A name is shown on pages, documents and in spreadsheets, and
# each of these makes it look different from what it is, or breaks the line it is on.
NAME_FORBIDDEN = frozenset(
    [
        *map(chr, range(0x00, 0x20)),
        *map(chr, range(0x7F, 0xA0)),
        "\u00ad",
        "\u061c",
        "\u180e",
        *map(chr, range(0x200B, 0x2010)),
        "\u2028",
        "\u2029",
        *map(chr, range(0x2060, 0x2065)),
        *map(chr, range(0x206A, 0x2070)),
        "\ufeff",
        *DIRECTION_CONTROLS,
    ]
)
# Letters that show nothing (Hangul fillers, the blank braille cell): a name of only these
# and spaces is as empty as a blank one.
NAME_BLANK = frozenset(["\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"])


def validate_name(value: str) -> None:
    """The one check of every person's or organisation's name, wherever it is entered:
    parties and their representatives, complaints, the importer (issue 30)."""
    if not value:
        return
    if any(ch in DIRECTION_CONTROLS for ch in value):
        raise ValidationError(
            _("名称中含有不可见的文字方向控制字符，请删除后重新输入"), code="direction"
        )
    if any(ch in NAME_FORBIDDEN for ch in value):
        raise ValidationError(
            _("名称中含有控制字符或不可见字符（如换行、零宽字符），请删除后重新输入"),
            code="invisible",
        )
    if all(ch.isspace() or ch in NAME_BLANK for ch in value):
        raise ValidationError(_("名称不能只由空白或不可见字符组成"), code="blank")


class NameField(forms.CharField):
    """A name: validate_name, with the characters checked before the surrounding blanks
    are stripped (a trailing CR/LF or zero-width space is refused, not silently cut)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [])
        kwargs["validators"] = [*kwargs["validators"], validate_name]
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and any(ch in NAME_FORBIDDEN for ch in value):
            validate_name(value)
        return super().to_python(value)


def display_name(user: Any) -> str:
    """A staff member as pages, documents, events and the API name them: 姓名, else the
    username; empty for no user."""
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()
