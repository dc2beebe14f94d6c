"""Chinese line breaking (禁则) for reportlab's CJK wrapping.

reportlab decides CJK line breaks in two places: `reportlab.lib.textsplit.dumbSplit`
(a paragraph with one style run, reached through `wordSplit`) and
`reportlab.platypus.paragraph.cjkFragSplit` (several runs). Both test the character that
overflows a line against `ALL_CANNOT_START`, a Japanese-centred list that lacks the
full-width comma, colon, semicolon, question and exclamation marks, closing 》〉 and the
closing quotes ” ’ — so a Chinese line could start with `，`. `paragraph` imported the
string by value, so extending it means rebinding it in both modules.

Both splitters also hang only the one character that overflowed: `）。` or `”，` at a
line end still leaves the second mark at the start of the next line, and an opening mark
(`（“《`) may end a line. `install()` therefore also puts in splitters with the same
contract that move the break point back ("push out") until the next line starts with a
character allowed to start one and the line does not end with an opening mark; only when
a whole line is made of such marks do they hang in the margin as reportlab's do.
"""

from collections.abc import Sequence
from typing import Any, TypeAlias
from unicodedata import category

from reportlab.lib import textsplit
from reportlab.platypus import paragraph
from reportlab.rl_config import _FUZZ

# reportlab's modules as this one patches them: their stubs declare the patched names final
# and leave out the private CJK helpers (cjkU, makeCJKParaLine) the splitters call.
_textsplit: Any = textsplit
_paragraph: Any = paragraph

# A line: (first character, end, width, ended by a forced break).
Span: TypeAlias = tuple[int, int, float, bool]
# The width of every line, or of each line in turn (the last repeats), as reportlab passes it.
Widths: TypeAlias = float | list[float] | tuple[float, ...]

# GB/T 15834 and the usual Chinese typesetting rules: marks that close or pause.
CHINESE_CANNOT_START = (
    "，。、：；！？）」』》〉】〕〗〙〛｝］”’…‥·・～%‰℃°′″"
    "\uff0c\uff0e\uff1a\uff1b\uff01\uff1f\uff09\uff3d\uff5d\uff60\uff64\uff61"
    "\uff05\u2014\u2015\u2026\u2025"
    ",.:;?!)]}"
)
# Marks that open: they may not end a line.
CHINESE_CANNOT_END = "（「『《〈【〔〖〘〚｛［“‘\uff08\uff3b\uff5b\uff5f([{"

CANNOT_START = frozenset(textsplit.ALL_CANNOT_START) | frozenset(CHINESE_CANNOT_START)
CANNOT_END = frozenset(textsplit.ALL_CANNOT_END) | frozenset(CHINESE_CANNOT_END)

_installed = False


def _is_latin(ch: str) -> bool:
    return bool(ch) and ord(ch[0]) < 0x3000 and category(ch[0]) != "Zs"


def _bad_break(chars: Sequence[str], k: int) -> bool:
    """Breaking before chars[k] would start a line with a closing mark or end one with an
    opening mark."""
    return chars[k] in CANNOT_START or chars[k - 1] in CANNOT_END


def find_breaks(
    chars: Sequence[str],
    widths: Sequence[float],
    max_widths: Widths,
    hard: Sequence[bool] | None = None,
) -> tuple[list[Span], Sequence[float]]:
    """Line spans [(start, end, width, forced)] for a sequence of characters.

    `hard[i]` true means a forced break after character i (a <br/>)."""
    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    lines: list[Span] = []
    n = len(chars)
    start = i = 0
    used: float = 0
    max_width = max_widths[0]

    def next_width() -> float:
        try:
            return max_widths[len(lines)]
        except IndexError:
            return max_widths[-1]

    while i < n:
        used += widths[i]
        i += 1
        if hard is not None and hard[i - 1]:
            lines.append((start, i, used, True))
            start, used = i, 0
            max_width = next_width()
            continue
        if not (used > max_width + _FUZZ and used > 0):
            continue
        b = i - 1  # the overflowing character moves to the next line
        if b <= start:
            b = start + 1  # a character wider than the line: keep it, make progress
        else:
            if _is_latin(chars[b]):
                # Inside a Latin run (a number, a code): break after the last space or
                # CJK character in the second half of the line, as reportlab does.
                for j in range(i - 1, (start + i) >> 1, -1):
                    cj = chars[j]
                    if cj and (category(cj[0]) == "Zs" or ord(cj[0]) >= 0x3000):
                        if j + 1 < i:
                            b = j + 1
                        break
            k = b
            while k > start + 1 and _bad_break(chars, k):
                k -= 1
            # Pushing a closing mark down must not cut a number or code in two
            # ("…64030319550301003" / "0，住址"): take the whole Latin run down with it.
            m = k
            while m > start + 1 and _is_latin(chars[m]) and _is_latin(chars[m - 1]):
                m -= 1
            if m != k and m > (start + b) >> 1 and not _bad_break(chars, m):
                k = m
            if not _bad_break(chars, k):
                b = k
            else:
                # A line made only of marks: let them hang rather than loop.
                while b < n and chars[b] in CANNOT_START:
                    b += 1
        width = sum(widths[start:b])
        lines.append((start, b, width, False))
        start, used, i = b, 0, b
        max_width = next_width()
    if start < n:
        lines.append((start, n, sum(widths[start:n]), False))
    return lines, max_widths


def dumb_split(word: str, widths: Sequence[float], maxWidths: Widths) -> list[list[Any]]:
    """Drop-in for textsplit.dumbSplit: [[extraSpace, text], ...]."""
    spans, max_widths = find_breaks(word, widths, maxWidths)
    out: list[list[Any]] = []
    for n, (a, b, width, _forced) in enumerate(spans):
        mw = max_widths[n] if n < len(max_widths) else max_widths[-1]
        text = word[a:b]
        out.append([mw - width, text if b == len(word) else text.strip()])
    return out


def cjk_frag_split(
    frags: Sequence[Any],
    maxWidths: Widths,
    calcBounds: bool,
    encoding: str = "utf8",
) -> Any:
    """Drop-in for paragraph.cjkFragSplit (several style runs in one paragraph)."""
    if not isinstance(maxWidths, (list, tuple)):
        maxWidths = [maxWidths]
    units: list[Any] = []
    for f in frags:
        text = f.text
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            units.extend(_paragraph.cjkU(t, f, encoding) for t in text)
        else:
            units.append(_paragraph.cjkU(text, f, encoding))
    widths = []
    for u in units:
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = maxWidths[0]
            w = w.normalizedValue(maxWidths[0])
        widths.append(w)
    hard = [hasattr(u.frag, "lineBreak") for u in units]
    spans, max_widths = find_breaks(units, widths, maxWidths, hard)
    lines = []
    for n, (a, b, width, forced) in enumerate(spans):
        mw = max_widths[n] if n < len(max_widths) else max_widths[-1]
        lines.append(
            _paragraph.makeCJKParaLine(units[a:b], mw, width, mw - width, forced, calcBounds)
        )
    return _paragraph.ParaLines(kind=1, lines=lines)


def install() -> None:
    """Extend reportlab's kinsoku set and put in the Chinese-aware splitters. Idempotent."""
    global _installed
    if _installed:
        return
    extra = "".join(sorted(CANNOT_START - frozenset(textsplit.ALL_CANNOT_START)))
    _textsplit.CANNOT_START_LINE[0] = textsplit.CANNOT_START_LINE[0] + extra
    _textsplit.ALL_CANNOT_START = "".join(textsplit.CANNOT_START_LINE)
    _paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
    extra_end = "".join(sorted(CANNOT_END - frozenset(textsplit.ALL_CANNOT_END)))
    _textsplit.CANNOT_END_LINE[0] = textsplit.CANNOT_END_LINE[0] + extra_end
    _textsplit.ALL_CANNOT_END = "".join(textsplit.CANNOT_END_LINE)
    _textsplit.dumbSplit = dumb_split
    _paragraph.cjkFragSplit = cjk_frag_split
    _installed = True
