"""Official documents as PDFs (DESIGN.md §7).

`render(kind, case)` builds one document from the case as it stands; `applies(kind,
case)` says whether it exists for the case now, and why not; `KINDS` lists them. The
documents a case keeps are records: `records` produces and stores them when their event
commits, and the download serves the stored versions.
"""

from . import fonts as fonts
from .kinds import FILING_ORDER as FILING_ORDER
from .kinds import KINDS, Ctx

CASE_FILE = "case_file"
ALL_KINDS = list(KINDS)
TITLES = {code: kind.title for code, kind in KINDS.items()}


class UnknownKind(LookupError):
    pass


class NotApplicable(LookupError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def applies(kind: str, case) -> tuple[bool, str]:
    if kind not in KINDS:
        raise UnknownKind(kind)
    return KINDS[kind].applies(case)


def available(case) -> list[tuple[str, str]]:
    """[(kind, title)] of the documents that exist for the case now, in filing order
    (the links a case page shows)."""
    ctx = Ctx(case, font="")
    return [(code, kind.title_for(case)) for code, kind in KINDS.items() if kind.check(ctx)[0]]


def render(kind: str, case, *, full: bool = True, font_mode: str | None = None) -> bytes:
    """The PDF of `kind` for `case` as it stands now (every record of a per-record kind).
    `full=False` masks ID and phone numbers. Raises UnknownKind, NotApplicable."""
    return render_ctx(kind, Ctx(case, font=fonts.font_name(font_mode), full=full))


def _kind(kind: str, ctx: Ctx):
    if kind not in KINDS:
        raise UnknownKind(kind)
    k = KINDS[kind]
    ok, reason = k.check(ctx)
    if not ok:
        raise NotApplicable(str(reason))
    return k


def render_ctx(kind: str, ctx: Ctx) -> bytes:
    from reportlab.platypus import PageBreak

    from .casefile import assemble
    from .layout import build_pdf

    if kind == CASE_FILE:
        return assemble(ctx.case, full=ctx.full, font=ctx.font)[0]
    k = _kind(kind, ctx)
    story = []
    for section in k.sections(ctx):
        if story:
            story.append(PageBreak())
        story += section
    return build_pdf(story, case=ctx.case, font=ctx.font, title=f"{k.title} {ctx.case.number}")


def render_section(kind: str, ctx: Ctx, index: int) -> bytes:
    """One record of `kind` (the `index`-th of its subjects) as its own PDF."""
    from .layout import build_pdf

    k = _kind(kind, ctx)
    section = k.sections(ctx)[index]
    return build_pdf(
        section, case=ctx.case, font=ctx.font, title=f"{k.title_for(ctx.case)} {ctx.case.number}"
    )
