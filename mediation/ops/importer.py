"""Import of historical cases from the XLSX registers county offices keep (one row a case;
the columns are documented in docs/import.md).

Every row is validated before anything is written, and every bad one is reported as (row,
column, reason) in Chinese. Valid rows are written in batches, each in one transaction.
A row's own case number is its key: a number already in the database with the same
organisation and registration date is the same row imported before and is skipped, so a
re-run imports only what is missing; a number that belongs to another case is an error.
Numbers are kept as they were issued (half-width brackets are read as the full-width ones
of the number format), and the organisation's counter for that year is advanced past the
highest imported number in the same transaction, so intake never issues one of them again.

Imported cases are historical: they arrive `closed` with their outcome, without mediator
accounts, agreements or sessions, and each gets one `case.created` event marked
`imported` (the audit trail says where it came from). A case still being handled is
registered through intake instead, so that every later transition finds what it needs.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Choices
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from mediation.actions.services import derived_tags
from mediation.events import case_snapshot
from mediation.law.choices import (
    NETWORK_WORD,
    PRIORITY_TAGS,
    AccessReason,
    Category,
    Channel,
    EventType,
    Outcome,
    State,
)
from mediation.law.identity import parse_resident_id, validate_name, validate_phone
from mediation.models import (
    Case,
    CaseAccess,
    CaseEvent,
    CaseNumberSequence,
    CaseParty,
    Organization,
    Party,
    case_sql,
)
from mediation.supervision.xlsx import neutral

BATCH = 2000

# header -> field; the order is the template's (docs/import.md).
COLUMNS = {
    "案号": "number",
    "调解组织": "org",
    "登记日期": "created",
    "纠纷类型": "category",
    "来源渠道": "channel",
    "纠纷事实": "summary",
    "申请事项": "claims",
    "涉及金额": "amount",
    "乡镇（街道）": "region",
    "村（社区）": "village",
    "申请人": "applicant",
    "申请人身份证号": "applicant_id",
    "申请人电话": "applicant_phone",
    "被申请人": "respondent",
    "被申请人身份证号": "respondent_id",
    "被申请人电话": "respondent_phone",
    "调解结果": "outcome",
    "结案日期": "closed",
}
REQUIRED = [
    "案号",
    "调解组织",
    "登记日期",
    "纠纷类型",
    "纠纷事实",
    "申请人",
    "被申请人",
    "调解结果",
]
HEADER_OF = {v: k for k, v in COLUMNS.items()}

OUTCOMES = {
    "调解成功": Outcome.AGREED,
    "达成协议": Outcome.AGREED,
    "已司法确认": Outcome.CONFIRMED,
    "调解不成": Outcome.FAILED,
    "调解终止": Outcome.FAILED,
    "撤回": Outcome.WITHDRAWN,
    "已撤回": Outcome.WITHDRAWN,
    "不予受理": Outcome.DECLINED,
    "已移送": Outcome.REFERRED,
}

NUMBER_RE = re.compile(r"^（(\d{4})）(.+?)(人调|行调|民诉前调|律调)字第(\d{1,6})号$")
MAX_LENGTHS = {
    "summary": 20000,
    "claims": 20000,
    "region": 50,
    "village": 50,
    "applicant": 100,
    "respondent": 100,
}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class Report:
    rows: int = 0
    valid: int = 0
    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


class ImportFileError(Exception):
    """The file as a whole cannot be read (not XLSX, no header, a required column missing)."""


@dataclass
class Row:
    row: int
    number: str
    org: Organization
    year: int
    seq: int
    created: dt.datetime
    closed: dt.datetime
    category: str
    channel: str
    summary: str
    claims: str
    amount: Decimal | None
    region: str
    village: str
    outcome: str
    parties: list[dict[str, Any]]


def _labels(choices: type[Choices]) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[str(value)] = value
        out[str(label)] = value
    return out


CATEGORIES = _labels(Category)
CHANNELS = _labels(Channel)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column (an ID or phone number)
    return str(value).strip()


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", text) or re.match(
        r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", text
    )
    if not m:
        raise ValueError(text)
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def _at_noon(day: dt.date) -> dt.datetime:
    # Registers record days, not times: noon keeps the day in every time zone view.
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def normalise_number(value: str) -> str:
    return value.strip().replace("(", "（").replace(")", "）").replace(" ", "")


class Validator:
    """Checks one row at a time against the organisations and the numbers seen so far."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.orgs: dict[str, Organization] = {}
        for org in Organization.objects.all():
            if org.is_mediating:
                self.orgs[org.name] = org
                self.orgs[org.short_code] = org
        self.seen: dict[str, int] = {}

    def check(self, rownum: int, raw: dict[str, Any]) -> tuple[Row | None, list[RowError]]:
        errors: list[RowError] = []

        def bad(key: str, reason: str) -> None:
            errors.append(RowError(rownum, HEADER_OF[key], reason))

        values = {key: _text(raw.get(key)) for key in COLUMNS.values()}
        for header in REQUIRED:
            if not values[COLUMNS[header]]:
                bad(COLUMNS[header], _("必填"))
        for key, limit in MAX_LENGTHS.items():
            if len(values[key]) > limit:
                bad(key, _("超过%(n)s个字符") % {"n": limit})

        org = self.orgs.get(values["org"]) if values["org"] else None
        if values["org"] and org is None:
            bad("org", _("系统中没有名为“%(v)s”的调解组织") % {"v": values["org"]})

        number, year, seq = normalise_number(values["number"]), 0, 0
        if number:
            m = NUMBER_RE.match(number)
            if m is None:
                bad(
                    "number",
                    _(
                        "案号格式应为（年份）组织代字+调解类型字第编号号，如（2024）红人调字第0012号"
                    ),
                )
            else:
                year, seq = int(m[1]), int(m[4])
                if org is not None and m[2] != org.short_code:
                    bad(
                        "number",
                        _("案号中的组织代字“%(code)s”与调解组织“%(org)s”的代字“%(own)s”不符")
                        % {"code": m[2], "org": org.name, "own": org.short_code},
                    )
                if org is not None and m[3] != NETWORK_WORD[org.network]:
                    bad(
                        "number",
                        _("案号中的“%(word)s”与调解组织的调解类型（%(own)s）不符")
                        % {"word": m[3], "own": NETWORK_WORD[org.network]},
                    )
                if seq == 0:
                    bad("number", _("案号编号不能为0"))
            if number in self.seen:
                bad("number", _("与第%(row)s行案号重复") % {"row": self.seen[number]})
            else:
                self.seen[number] = rownum

        created: dt.date | None = None
        closed: dt.date | None = None
        for key in ("created", "closed"):
            if not values[key]:
                continue
            try:
                day = _date(raw.get(key))
            except ValueError:
                bad(key, _("日期格式应为YYYY-MM-DD"))
                continue
            if day > self.today:
                bad(key, _("日期不能晚于今天"))
            if key == "created":
                created = day
            else:
                closed = day
        if created and year and created.year != year:
            bad("created", _("登记日期的年份与案号年份（%(y)s）不符") % {"y": year})
        if created and closed and closed < created:
            bad("closed", _("结案日期不能早于登记日期"))

        category = CATEGORIES.get(values["category"]) if values["category"] else None
        if values["category"] and category is None:
            bad("category", _("未知的纠纷类型“%(v)s”") % {"v": values["category"]})
        channel = CHANNELS.get(values["channel"] or Channel.WALK_IN)
        if channel is None:
            bad("channel", _("未知的来源渠道“%(v)s”") % {"v": values["channel"]})
        outcome = OUTCOMES.get(values["outcome"]) if values["outcome"] else None
        if values["outcome"] and outcome is None:
            bad(
                "outcome",
                _("调解结果应为：%(v)s") % {"v": "、".join(OUTCOMES)},
            )

        amount = None
        if values["amount"]:
            try:
                amount = Decimal(values["amount"].replace(",", "")).quantize(Decimal("0.01"))
                if amount < 0 or amount >= Decimal("1e12"):
                    raise InvalidOperation
            except InvalidOperation:
                bad("amount", _("金额应为不小于0的数字"))
                amount = None

        parties: list[dict[str, Any]] = []
        for role, key in (("applicant", "applicant"), ("respondent", "respondent")):
            written = raw.get(key)  # before stripping: a trailing CR/LF is refused too
            try:
                validate_name(written if isinstance(written, str) else values[key])
            except ValidationError as exc:
                bad(key, exc.messages[0])
            party: dict[str, Any] = {"role": role, "name": values[key], "kind": "person"}
            party.update(id_number="", phone="")
            if values[f"{key}_id"]:
                try:
                    rid = parse_resident_id(values[f"{key}_id"])
                    party.update(id_number=rid.number, birth_date=rid.birth_date, gender=rid.gender)
                except ValidationError as exc:
                    bad(f"{key}_id", exc.messages[0])
            if values[f"{key}_phone"]:
                try:
                    party["phone"] = validate_phone(values[f"{key}_phone"])
                except ValidationError as exc:
                    bad(f"{key}_phone", exc.messages[0])
            parties.append(party)

        if errors:
            return None, errors
        # A row without errors has every required value (REQUIRED, each checked above).
        assert org is not None and created is not None and outcome is not None
        assert category is not None and channel is not None
        return (
            Row(
                row=rownum,
                number=number,
                org=org,
                year=year,
                seq=seq,
                created=_at_noon(created),
                closed=_at_noon(closed or created),
                category=category,
                channel=channel,
                summary=values["summary"],
                claims=values["claims"],
                amount=amount,
                region=values["region"] or org.region,
                village=values["village"],
                outcome=outcome,
                parties=parties,
            ),
            [],
        )


# An XLSX is a zip: a register of 100,000 rows unpacks to well under this; a zip bomb of a
# few MB unpacks to gigabytes (issue #30: 2.25 GB in memory).
MAX_UNCOMPRESSED = 512 * 1024 * 1024


def check_archive(path: str | Path, limit: int | None = None) -> None:
    """Refuse an archive whose members unpack to more than `limit`: first by the sizes its
    directory declares (nothing inflated), then by inflating each member in bounded chunks
    (zipfile stops at the declared size and checks the CRC, so a lying header fails too)."""
    limit = MAX_UNCOMPRESSED if limit is None else limit
    too_big = _("文件解压后超过%(mb)dMB，疑似压缩炸弹，未导入") % {"mb": limit // (1024 * 1024)}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > limit:
                raise ImportFileError(too_big)
            total = 0
            for member in members:
                with archive.open(member) as fh:
                    while block := fh.read(1 << 20):
                        total += len(block)
                        if total > limit:
                            raise ImportFileError(too_big)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ImportFileError(_("无法读取XLSX文件：%(e)s") % {"e": type(exc).__name__}) from None


def read_rows(path: str | Path) -> tuple[int, Iterator[tuple[int, dict[str, Any]]]]:
    """(number of data rows, iterator of (sheet row number, {field: value})). Read with
    calamine (Rust): openpyxl alone took most of the time budget of a 100,000-row import."""
    check_archive(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
        header = next(rows, None)
    except Exception as exc:
        raise ImportFileError(_("无法读取XLSX文件：%(e)s") % {"e": type(exc).__name__}) from None
    if header is None:
        raise ImportFileError(_("文件为空：第1行应为列名"))
    names = [_text(h) for h in header]
    missing = [h for h in REQUIRED if h not in names]
    if missing:
        raise ImportFileError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    index = {COLUMNS[n]: i for i, n in enumerate(names) if n in COLUMNS}
    total = max(sheet.height - 1, 0)

    def iterate() -> Iterator[tuple[int, dict[str, Any]]]:
        for offset, values in enumerate(rows, start=2):
            if all(v is None or _text(v) == "" for v in values):
                continue
            yield offset, {key: values[i] if i < len(values) else None for key, i in index.items()}

    return total, iterate()


def import_file(
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH,
    now: dt.datetime | None = None,
) -> Report:
    now = now or timezone.now()
    report = Report(dry_run=dry_run)
    total, rows = read_rows(path)
    validator = Validator(timezone.localdate(now))
    source = Path(path).name
    pending: list[Row] = []
    for rownum, raw in rows:
        report.rows += 1
        row, errors = validator.check(rownum, raw)
        if row is None:
            report.errors.extend(errors)
        else:
            report.valid += 1
            pending.append(row)
        if len(pending) >= batch_size:
            if not dry_run:
                _write(pending, report, source, now)
            pending = []
        if progress is not None:
            progress(report.rows, max(total, report.rows))
    if pending and not dry_run:
        _write(pending, report, source, now)
    if dry_run:
        _check_existing_dry(validator, report)
    return report


def _check_existing_dry(validator: Validator, report: Report) -> None:
    """A dry run also says how many rows a real run would skip as already imported."""
    numbers = list(validator.seen)
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start : start + 5000]
        report.skipped += Case.objects.filter(number__in=chunk).count()


def _write(rows: list[Row], report: Report, source: str, now: dt.datetime) -> None:
    with transaction.atomic():
        # Lock the counters first: a live intake for the same organisation and year waits
        # until the imported numbers and the advanced counter commit together.
        keys = sorted({(r.org.pk, r.year) for r in rows})
        CaseNumberSequence.objects.bulk_create(
            [CaseNumberSequence(org_id=o, year=y, last=0) for o, y in keys],
            ignore_conflicts=True,
        )
        seqs = {
            (s.org_id, s.year): s
            for s in CaseNumberSequence.objects.select_for_update().filter(
                org_id__in={o for o, _y in keys}, year__in={y for _o, y in keys}
            )
        }
        existing = {
            number: (org_id, created)
            for number, org_id, created in Case.objects.filter(
                number__in=[r.number for r in rows]
            ).values_list("number", "org_id", "created_at")
        }
        fresh = []
        for r in rows:
            if r.number not in existing:
                fresh.append(r)
                continue
            org_id, created = existing[r.number]
            if org_id == r.org.pk and timezone.localdate(created) == timezone.localdate(r.created):
                report.skipped += 1  # imported before: the same row again
            else:
                report.errors.append(RowError(r.row, "案号", _("案号已被系统中的另一案件使用")))
        if fresh:
            _insert(fresh, source, now)
        for r in rows:
            seq = seqs[(r.org.pk, r.year)]
            seq.last = max(seq.last, r.seq)
        CaseNumberSequence.objects.bulk_update(list(seqs.values()), ["last"])
        report.imported += len(fresh)


def _case(r: Row, now: dt.datetime) -> Case:
    priority = any(set(p["tags"]) & PRIORITY_TAGS for p in r.parties)
    return Case(
        number=r.number,
        network=r.org.network,
        org_id=r.org.pk,
        registering_org_id=r.org.pk,
        channel=r.channel,
        category=r.category,
        summary=r.summary,
        claims=r.claims,
        amount=r.amount,
        region=r.region,
        village=r.village,
        priority=priority,
        state=State.CLOSED,
        created_at=r.created,
        updated_at=now,
        closed_at=r.closed,
        outcome=r.outcome,
    )


def _party(p: dict[str, Any]) -> Party:
    return Party(
        kind="person",
        name=p["name"],
        gender=p.get("gender", ""),
        id_number=p["id_number"],
        birth_date=p.get("birth_date"),
        phone=p["phone"],
        tags=p["tags"],
    )


def _event(case: Case, row: Row, source: str, now: dt.datetime) -> CaseEvent:
    """An imported case's `case.created` event: the snapshot, no actor, where it came from."""
    payload = {
        "case": case_snapshot(case),
        "actor": None,
        "data": {
            "channel": case.channel,
            "priority": case.priority,
            "imported": {"file": source, "row": row.row},
        },
        "orgs": [case.org_id],
    }
    return CaseEvent(case=case, type=EventType.CASE_CREATED, at=now, payload=payload)


def _insert(rows: list[Row], source: str, now: dt.datetime) -> None:
    """The one write path, on PostgreSQL and SQLite alike: the ORM's bulk inserts, one
    statement per table and batch (the ids come back from the insert on both)."""
    today = timezone.localdate(now)
    for r in rows:
        for p in r.parties:
            p["tags"] = derived_tags("person", p.get("birth_date"), [], today)
    cases = Case.objects.bulk_create([_case(r, now) for r in rows])
    parties = Party.objects.bulk_create([_party(p) for r in rows for p in r.parties])
    it = iter(parties)
    CaseParty.objects.bulk_create(
        [
            CaseParty(case=case, party=next(it), role=p["role"], position=position)
            for case, r in zip(cases, rows, strict=True)
            for position, p in enumerate(r.parties)
        ]
    )
    CaseAccess.objects.bulk_create(
        [
            CaseAccess(case=c, org_id=c.org_id, reason=AccessReason.HANDLER, since=c.created_at)
            for c in cases
        ]
    )
    # Event ids follow commit order (mediation.events): hold the event lock to commit.
    case_sql.take_event_lock()
    CaseEvent.objects.bulk_create(
        [_event(c, r, source, now) for c, r in zip(cases, rows, strict=True)]
    )


def write_workbook(path: str | Path, rows: Iterable[dict[str, Any]] = ()) -> None:
    """An XLSX in the import layout: the header row, then `rows` ({header: value}). With
    no rows it is the blank template an office fills in (`import_cases --template`)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("案件")
    headers = list(COLUMNS)
    ws.append(headers)
    for row in rows:
        ws.append([neutral(row.get(h)) for h in headers])  # never a formula (DESIGN §9)
    wb.save(path)
