"""Charts drawn on the server as SVG (DESIGN.md §8): readable without colour — every bar
carries its label and its number, and series differ by hatching pattern, not by hue — and
printable (plain black strokes on white). No script, no outside request."""

from xml.sax.saxutils import escape

PATTERNS = ("solid", "hatch", "dots", "cross")

_DEFS = (
    "<defs>"
    '<pattern id="p-hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
    ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#222" stroke-width="2"/></pattern>'
    '<pattern id="p-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.2" fill="#222"/>'
    "</pattern>"
    '<pattern id="p-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#fff"/><path d="M0 3H6M3 0V6" stroke="#222"/></pattern>'
    "</defs>"
)


def _fill(i: int) -> str:
    name = PATTERNS[i % len(PATTERNS)]
    return "#555" if name == "solid" else f"url(#p-{name})"


def hbar(title: str, rows: list[dict], *, chart_id: str, width: int = 460, limit: int = 12) -> str:
    """Horizontal bars, one per row {"label", "count"}; the number is printed at the end
    of each bar, the pattern alternates so neighbouring bars differ without colour."""
    rows = rows[:limit]
    bar_h, gap, label_w, top = 18, 8, 130, 8
    height = top + len(rows) * (bar_h + gap) + 8
    peak = max((r["count"] for r in rows), default=0) or 1
    span = width - label_w - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img"'
        f' viewBox="0 0 {width} {max(height, 40)}" width="{width}" height="{max(height, 40)}"'
        f' aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _DEFS,
    ]
    if not rows:
        parts.append('<text x="10" y="24" class="empty">无数据</text>')
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(1, round(span * r["count"] / peak)) if r["count"] else 0
        label = escape(str(r["label"]))
        parts.append(
            f'<g class="bar" data-key="{escape(str(r.get("key", "")))}">'
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{label}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{_fill(i)}"'
            ' stroke="#222" stroke-width="1"/>'
            f'<text x="{label_w + w + 6}" y="{y + 13}" class="value">{r["count"]}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def vbar(
    title: str, rows: list[dict], *, chart_id: str, width: int = 560, height: int = 200
) -> str:
    """Vertical bars over time (months): value above each bar, label below."""
    n = len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _DEFS,
    ]
    if not n:
        parts.append('<text x="10" y="24" class="empty">无数据</text></svg>')
        return "".join(parts)
    base, top, left = height - 36, 18, 10
    slot = (width - 2 * left) / n
    bar_w = max(4, min(40, slot * 0.6))
    peak = max(r["count"] for r in rows) or 1
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="#222"/>')
    for i, r in enumerate(rows):
        x = left + i * slot + (slot - bar_w) / 2
        h = round((base - top) * r["count"] / peak)
        label = escape(str(r["label"]))
        short = escape(str(r.get("key", ""))[-2:] + "月") if n > 6 else label
        parts.append(
            f'<g class="bar" data-key="{escape(str(r.get("key", "")))}">'
            f'<rect x="{x:.1f}" y="{base - h}" width="{bar_w:.1f}" height="{h}"'
            f' fill="{_fill(1)}" stroke="#222"/>'
            f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4}" text-anchor="middle"'
            f' class="value">{r["count"]}</text>'
            f'<text x="{x + bar_w / 2:.1f}" y="{base + 16}" text-anchor="middle">{short}</text>'
            f"<title>{label}: {r['count']}</title></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
