"""Chinese line breaking: no line starts with a closing mark, long text flows onto pages."""

import re

import pytest
from reportlab.lib import textsplit
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, paragraph

from mediation import documents
from mediation.documents import fonts, linebreak

from .conftest import agree, flat, ink_fraction, page_count, pdftotext

FORBIDDEN_START = "，。、：；！？）」』》〉】”’…—%"
FORBIDDEN_END = "（「『《〈【“‘"

CLAUSES = [
    "被申请人应于本协议生效之日起十日内（含当日）向申请人支付赔偿款人民币叁仟元整（￥3000.00元）。",
    "双方确认：院墙东侧排水沟由被申请人负责改建，改建标准为“深三十厘米、宽二十厘米”，",
    "所需材料费用由被申请人承担；申请人应予配合，不得阻挠施工！",
    "如被申请人逾期未履行，申请人可以依法申请强制执行……",
    "本协议履行完毕后，双方就本纠纷再无其他争议——双方均表示满意。",
    "被申请人承认其行为给申请人造成了损失（包括院内物品受潮、墙体开裂等）。",
    "申请人表示：“只要对方按时改建，我不再追究其他责任。”",
    "双方同意互相尊重、和睦相处，今后如有分歧，先行协商或者请求调解委员会调解；",
]


def long_terms(n_chars=5000) -> str:
    out, i = [], 0
    while sum(map(len, out)) < n_chars:
        out.append(CLAUSES[i % len(CLAUSES)])
        i += 1
        if i % 5 == 0:
            out.append("\n")
    return "".join(out)


def test_reportlab_sets_extended_in_both_modules():
    fonts.font_name("cid")  # installs on first registration
    for ch in "，：；！？》”":
        assert ch in textsplit.ALL_CANNOT_START
        assert ch in paragraph.ALL_CANNOT_START
    assert textsplit.dumbSplit is linebreak.dumb_split
    assert paragraph.cjkFragSplit is linebreak.cjk_frag_split


@pytest.mark.parametrize(
    ("text", "width", "first_line"),
    [
        # plain: the fifth character overflows and moves down
        ("一二三四五六", 40, "一二三四"),
        # "，" would start line two: "四" goes down with it
        ("一二三四，五六", 40, "一二三"),
        # "）。" — two closing marks in a row: both go down with "三"
        ("一二三）。五六", 40, "一二"),
        # an opening mark never ends a line
        ("一二三（四）五", 40, "一二三"),
    ],
)
def test_find_breaks(text, width, first_line):
    lines = linebreak.dumb_split(text, [10] * len(text), width)
    assert lines[0][1] == first_line
    assert "".join(line[1] for line in lines) == text
    for _extra, line in lines[1:]:
        assert line[0] not in FORBIDDEN_START
    for _extra, line in lines[:-1]:
        assert line[-1] not in FORBIDDEN_END


def test_a_number_is_not_cut_to_keep_a_comma_off_the_line_start():
    text = (
        "申请人：马建国，男，回族，1955年3月1日出生，公民身份号码：640303195503010030，"
        "住址：红寺堡镇"
    )
    widths = [10 if ord(c) >= 0x3000 else 5 for c in text]
    # the line is full just before "，": the comma may not start the next line, and the
    # ID number may not be split to avoid it — the number goes down whole
    lines = linebreak.dumb_split(text, widths, sum(widths[: text.index("，住址")]))
    assert [line[1] for line in lines][:2] == [
        "申请人：马建国，男，回族，1955年3月1日出生，公民身份号码：",
        "640303195503010030，住址：红寺堡镇",
    ]


def test_several_style_runs_follow_the_same_rules():
    font = fonts.font_name("cid")
    style = ParagraphStyle("t", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    text = "甲乙丙丁戊，己庚辛壬癸（子丑）。寅卯辰巳午未，申酉戌亥。" * 6
    p = Paragraph(f'<font color="red">{text[:7]}</font>{text[7:]}', style)
    p.wrap(55, 1000)
    lines = ["".join(w.text for w in line.words) for line in p.blPara.lines]
    assert "".join(lines) == text
    assert all(line[0] not in FORBIDDEN_START for line in lines[1:])
    assert all(line[-1] not in FORBIDDEN_END for line in lines[:-1])


def test_five_thousand_character_agreement(world, font_mode):
    from mediation.law.choices import State

    case = world.make_case(State.MEDIATING)
    terms = long_terms()
    assert len(terms) >= 5000
    case = agree(world, case, terms=terms)
    pdf = documents.render("agreement", case)
    assert page_count(pdf) >= 4
    text = pdftotext(pdf)
    body = flat(text, case.number)
    # intact: every clause comes back, in order, across the page breaks
    assert re.sub(r"\s+", "", terms) in body
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    starts = [line for line in lines if line[0] in FORBIDDEN_START]
    assert not starts, starts[:5]
    ends = [line for line in lines if line[-1] in FORBIDDEN_END]
    assert not ends, ends[:5]
    assert ink_fraction(pdf, page=2) > 0.02
