"""Official documents as PDFs (DESIGN.md §7).

`render(kind, case)` builds one document from the case as it stands; `applies(kind,
case)` says whether it exists for the case now, and why not; `KINDS` lists them. The
documents a case keeps are records: `records` produces and stores them when their event
commits, and the download serves the stored versions.
"""

from mediation.models import Case

from . import fonts as fonts
from . import records
from .context import Ctx as Ctx
from .kinds import CASE_FILE as CASE_FILE
from .kinds import FILING_ORDER as FILING_ORDER
from .kinds import KINDS as KINDS
from .render import NotApplicable as NotApplicable
from .render import UnknownKind as UnknownKind
from .render import applies as applies
from .render import available as available
from .render import render_kind
from .render import render_section as render_section

ALL_KINDS = list(KINDS)


def render(kind: str, case: Case, *, full: bool = True, font_mode: str | None = None) -> bytes:
    """The PDF of `kind` for `case` as it stands now (every record of a per-record kind).
    `full=False` masks ID and phone numbers. Raises UnknownKind, NotApplicable."""
    return render_ctx(kind, Ctx(case, font=fonts.font_name(font_mode), full=full))


def render_ctx(kind: str, ctx: Ctx) -> bytes:
    if kind == CASE_FILE:
        return records.assemble(ctx.case, full=ctx.full, font=ctx.font)[0]
    return render_kind(kind, ctx)
