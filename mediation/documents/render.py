"""One kind's PDF for a case as it stands: whether it applies, and its sections built."""

from reportlab.platypus import PageBreak

from mediation.models import Case

from .context import Ctx
from .kinds import KINDS, Kind
from .layout import build_pdf


class UnknownKind(LookupError):
    pass


class NotApplicable(LookupError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def applies(kind: str, case: Case) -> tuple[bool, str]:
    if kind not in KINDS:
        raise UnknownKind(kind)
    return KINDS[kind].applies(case)


def available(case: Case) -> list[tuple[str, str]]:
    """[(kind, title)] of the documents that exist for the case now, in filing order
    (the links a case page shows)."""
    ctx = Ctx(case, font="")
    return [(code, kind.title_for(case)) for code, kind in KINDS.items() if kind.check(ctx)[0]]


def applicable_kind(kind: str, ctx: Ctx) -> Kind:
    if kind not in KINDS:
        raise UnknownKind(kind)
    k = KINDS[kind]
    ok, reason = k.check(ctx)
    if not ok:
        raise NotApplicable(str(reason))
    return k


def render_kind(kind: str, ctx: Ctx) -> bytes:
    """Every record of a built kind, one after another (not the case file: it is
    assembled from the store, see records.assemble)."""
    k = applicable_kind(kind, ctx)
    story: list = []
    for section in k.sections(ctx):
        if story:
            story.append(PageBreak())
        story += section
    return build_pdf(
        story,
        case=ctx.case,
        font=ctx.font,
        title=f"{k.title} {ctx.case.number}",
        bare=k.bare(ctx.case),
    )


def render_section(kind: str, ctx: Ctx, index: int) -> bytes:
    """One record of `kind` (the `index`-th of its subjects) as its own PDF."""
    k = applicable_kind(kind, ctx)
    section = k.sections(ctx)[index]
    return build_pdf(
        section,
        case=ctx.case,
        font=ctx.font,
        title=f"{k.title_for(ctx.case)} {ctx.case.number}",
        bare=k.bare(ctx.case),
    )
