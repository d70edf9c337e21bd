"""Importing historical messages (the TipDM contest column format) row by row, idempotently by external id."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction

from liuyan.common.clock import now as clock_now
from liuyan.common.errors import InvalidInput, LiuyanError
from liuyan.common.reports import ImportReport, RowError
from liuyan.common.tables import Cell, MalformedFile, Table, open_table
from liuyan.geo.models import Region, RegionLevel
from liuyan.geo.region_lookup import find_region
from liuyan.messages.access import Actor
from liuyan.messages.actions import ImportedMessage, do_import_message
from liuyan.messages.models import BODY_MAX, TITLE_MAX, Message, MessageType
from liuyan.messages.privacy import mask_personal_data
from liuyan.orgs.models import Board
from liuyan.taxonomy.lookup import find_category
from liuyan.taxonomy.models import Category

from .readers import EARLIEST, cell_text, normalize_id, parse_count, parse_datetime

# The contest column format (TipDM Cup 2020 C). Extra columns are ignored.
COL_ID = "留言编号"
COL_USER = "留言用户"
COL_TITLE = "留言主题"
COL_TIME = "留言时间"
COL_BODY = "留言详情"
COL_LABEL = "一级标签"
COL_REPLY = "答复意见"
COL_REPLY_TIME = "答复时间"
COL_SUPPORTS = "点赞数"
COL_OPPOSES = "反对数"
REQUIRED_COLUMNS = [COL_ID, COL_USER, COL_TITLE, COL_TIME, COL_BODY]
OPTIONAL_COLUMNS = [COL_LABEL, COL_REPLY, COL_REPLY_TIME, COL_SUPPORTS, COL_OPPOSES]

EXTERNAL_ID_MAX = Message._meta.get_field("external_id").max_length or 64
NICKNAME_MAX = 40
FUTURE_TOLERANCE = dt.timedelta(days=1)
_CHUNK = 200

# Title markers that decide the type over the default (--type). The earliest marker in the title wins.
TYPE_MARKERS: tuple[tuple[str, str], ...] = (
    ("建议", MessageType.SUGGESTION),
    ("建言", MessageType.SUGGESTION),
    ("咨询", MessageType.INQUIRY),
    ("请问", MessageType.INQUIRY),
    ("求助", MessageType.HELP),
    ("投诉", MessageType.COMPLAINT),
)


def guess_type(title: str, default: str = MessageType.COMPLAINT) -> str:
    """The type a title marks itself with (建议/建言 → suggestion, 咨询/请问 → inquiry, 求助 → help,
    投诉 → complaint; the earliest marker wins), else `default`."""
    found = [(title.find(marker), kind) for marker, kind in TYPE_MARKERS if marker in title]
    return min(found)[1] if found else default


# ---------------------------------------------------------------------------------------------------------------
# Report


@dataclass
class MessageImportReport(ImportReport):
    """created / skipped (already present) counts, bad rows (`errors`, one per row) and warnings, for one file.

    Unlike the all-or-nothing reports of other importers, every good row is loaded even when some rows are bad.
    """

    file: str = ""
    rows: int = 0
    dry_run: bool = False
    warnings: list[RowError] = field(default_factory=list)

    def add_warning(self, row: int, zh: str, en: str) -> None:
        self.warnings.append(RowError(row, zh, en))

    @property
    def bad_rows(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        created_zh, created_en = ("将新建", "would create") if self.dry_run else ("新建", "created")
        return (
            f"{self.file}：共 {self.rows} 行，{created_zh} {self.created}，已存在（跳过）{self.skipped}，"
            f"错误行 {self.bad_rows}，警告 {len(self.warnings)} / "
            f"{self.file}: {self.rows} rows, {created_en} {self.created}, already present (skipped) {self.skipped}, "
            f"bad rows {self.bad_rows}, warnings {len(self.warnings)}"
        )

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            file=self.file,
            rows=self.rows,
            dry_run=self.dry_run,
            warnings=[{"row": w.row, "message": w.zh, "message_en": w.en} for w in self.warnings],
        )
        return data


# ---------------------------------------------------------------------------------------------------------------
# Region detection


class RegionDetector:
    """Finds the place a message is about from its text, inside a scope (the board's region).

    Rule: every region name inside the scope (A市, A3区, 西地省, 长沙市, 朝阳区 …) and every alias of a province or
    city (西地, 长沙: county short forms such as 朝阳/和平 are too often ordinary words) is looked for in the title,
    then the body, longest match first; a name starting or ending with a Latin letter or digit must not touch
    another one (A市 is not found in "BA市"). Each name found is resolved with `find_region(name, within=scope)`,
    which drops ambiguous names. The most specific region wins (county over city over province); among equally
    specific ones, the first mentioned.
    """

    def __init__(self, scope: Region | None) -> None:
        if scope is not None:
            scope = Region.objects.get(pk=scope.pk)  # fresh path: a gazetteer import may have moved it
        self.scope = scope
        regions = Region.objects.all()
        if scope is not None:
            regions = regions.filter(path__startswith=scope.path)
        vocabulary: set[str] = set()
        for name, aliases, level in regions.values_list("name", "aliases", "level"):
            if len(name) >= 2:
                vocabulary.add(name)
            if level in (RegionLevel.PROVINCE, RegionLevel.CITY):
                vocabulary.update(a for a in aliases or [] if isinstance(a, str) and len(a) >= 2)
        self._lengths: dict[str, list[int]] = {}
        for name in vocabulary:
            self._lengths.setdefault(name[0], []).append(len(name))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)
        self._vocabulary = vocabulary
        self._resolved: dict[str, Region | None] = {}

    def mentions(self, text: str) -> list[str]:
        """Region names in `text`, left to right, longest match first, non-overlapping."""
        found: list[str] = []
        i, n = 0, len(text)
        while i < n:
            step = 1
            for length in self._lengths.get(text[i], ()):
                if i + length > n:
                    continue
                candidate = text[i : i + length]
                if candidate in self._vocabulary and self._stands_alone(text, i, i + length):
                    found.append(candidate)
                    step = length
                    break
            i += step
        return found

    @staticmethod
    def _stands_alone(text: str, start: int, end: int) -> bool:
        if text[start].isascii() and text[start].isalnum() and start > 0:
            before = text[start - 1]
            if before.isascii() and before.isalnum():
                return False
        last = text[end - 1]
        if last.isascii() and last.isalnum() and end < len(text):
            after = text[end]
            if after.isascii() and after.isalnum():
                return False
        return True

    def resolve(self, name: str) -> Region | None:
        if name not in self._resolved:
            self._resolved[name] = find_region(name, within=self.scope)
        return self._resolved[name]

    def detect(self, *texts: str) -> Region | None:
        best: Region | None = None
        for text in texts:
            for name in self.mentions(text):
                region = self.resolve(name)
                if region is not None and (best is None or region.level > best.level):
                    best = region
        return best


class CategoryResolver:
    """一级标签 → Category through `find_category`, remembered per label for the run."""

    def __init__(self) -> None:
        self._cache: dict[str, Category | None] = {}

    def __call__(self, label: str) -> Category | None:
        if label not in self._cache:
            self._cache[label] = find_category(label)
        return self._cache[label]


# ---------------------------------------------------------------------------------------------------------------
# Options and row mapping


@dataclass
class ImportOptions:
    board: Board
    default_region: Region | None = None
    default_type: str = MessageType.COMPLAINT
    namespace: str | None = None  # None: each file's stem
    closed: bool = False
    dry_run: bool = False


def resolve_board(code: str) -> Board:
    board = Board.objects.select_related("region").filter(code=code.strip()).first()
    if board is None:
        raise InvalidInput(f"留言对象不存在：{code}", f"no board with code '{code}'", code="unknown_board")
    return board


def resolve_region(code_or_name: str) -> Region:
    """A region by its code (110101, X0101) or, failing that, by an unambiguous name (A市, 朝阳区)."""
    key = code_or_name.strip()
    region = Region.objects.filter(code=key).first() or (find_region(key) if key else None)
    if region is None:
        raise InvalidInput(
            f"地区不存在或名称不唯一：{code_or_name}",
            f"no region with code or unambiguous name '{code_or_name}'",
            code="unknown_region",
        )
    return region


def namespace_for(path: Path, options: ImportOptions) -> str:
    namespace = (options.namespace if options.namespace is not None else path.stem).strip()
    if not namespace or ":" in namespace or len(namespace) > EXTERNAL_ID_MAX - 2:
        raise InvalidInput(
            f"命名空间无效：“{namespace}”（不能为空、不能含冒号，最长 {EXTERNAL_ID_MAX - 2} 字）",
            f"invalid namespace '{namespace}' (not empty, no colon, at most {EXTERNAL_ID_MAX - 2} characters)",
            code="invalid_namespace",
        )
    return namespace


@dataclass
class _Context:
    options: ImportOptions
    namespace: str
    columns: set[str]
    regions: RegionDetector
    categories: CategoryResolver
    now: dt.datetime
    seen: dict[str, int] = field(default_factory=dict)


def _describe(value: Cell, limit: int = 30) -> str:
    text = cell_text({"v": value}, "v", multiline=False)
    return text if len(text) <= limit else text[:limit] + "…"


def map_row(number: int, cells: dict[str, Cell], ctx: _Context, report: MessageImportReport) -> ImportedMessage | None:
    """Validate and map one row; on a bad row record one error (all its reasons) and return None."""
    zh: list[str] = []
    en: list[str] = []

    def bad(reason_zh: str, reason_en: str) -> None:
        zh.append(reason_zh)
        en.append(reason_en)

    raw_id = normalize_id(cells.get(COL_ID))
    external_id = f"{ctx.namespace}:{raw_id}"
    if not raw_id:
        bad("留言编号为空", "留言编号 (id) is empty")
    elif len(external_id) > EXTERNAL_ID_MAX:
        bad(
            f"留言编号过长（加命名空间后超过 {EXTERNAL_ID_MAX} 字）",
            f"the id is too long (over {EXTERNAL_ID_MAX} with the namespace)",
        )
    elif raw_id in ctx.seen:
        bad(f"留言编号 {raw_id} 与第 {ctx.seen[raw_id]} 行重复", f"id {raw_id} repeats row {ctx.seen[raw_id]}")
    else:
        ctx.seen[raw_id] = number

    title = cell_text(cells, COL_TITLE, multiline=False)
    if not title:
        bad("留言主题为空", "the title (留言主题) is empty")
    elif len(title) > TITLE_MAX:
        bad(
            f"留言主题超过 {TITLE_MAX} 字（{len(title)} 字）",
            f"the title is longer than {TITLE_MAX} characters ({len(title)})",
        )

    body = cell_text(cells, COL_BODY)
    if not body:
        bad("留言详情为空", "the body (留言详情) is empty")
    elif len(body) > BODY_MAX:
        bad(
            f"留言详情超过 {BODY_MAX} 字（{len(body)} 字）",
            f"the body is longer than {BODY_MAX} characters ({len(body)})",
        )

    submitted_at = _parse_time(cells.get(COL_TIME), "留言时间", "submission time", ctx, bad, required=True)

    counts: dict[str, int] = {}
    for column, name_en in ((COL_SUPPORTS, "supports"), (COL_OPPOSES, "opposes")):
        if column not in ctx.columns:
            counts[name_en] = 0
            continue
        try:
            counts[name_en] = parse_count(cells.get(column))
        except ValueError:
            value = _describe(cells.get(column))
            bad(f"{column}“{value}”不是非负整数", f"{column} ({name_en}) '{value}' is not a non-negative whole number")

    reply_body = cell_text(cells, COL_REPLY) if COL_REPLY in ctx.columns else ""
    replied_at: dt.datetime | None = None
    reply_time_cell = cells.get(COL_REPLY_TIME) if COL_REPLY_TIME in ctx.columns else None
    if reply_body:
        if cell_text(cells, COL_REPLY_TIME, multiline=False):
            replied_at = _parse_time(reply_time_cell, "答复时间", "reply time", ctx, bad, required=True)
            if replied_at is not None and submitted_at is not None and replied_at < submitted_at:
                bad("答复时间早于留言时间", "the reply time is before the submission time")
        else:
            report.add_warning(
                number, "答复时间为空，按留言时间记录答复", "no reply time: the reply is dated at submission"
            )
    elif cell_text(cells, COL_REPLY_TIME, multiline=False):
        report.add_warning(
            number, "有答复时间但答复意见为空，未导入答复", "a reply time without reply text: no reply imported"
        )

    if zh:
        report.add_error(number, "；".join(zh), "; ".join(en))
        return None
    assert submitted_at is not None

    category: Category | None = None
    label = cell_text(cells, COL_LABEL, multiline=False) if COL_LABEL in ctx.columns else ""
    if label:
        category = ctx.categories(label)
        if category is None:
            report.add_warning(
                number,
                f"未知的一级标签“{label}”，已导入但未分类",
                f"unknown label '{label}': imported without a category",
            )

    nickname = mask_personal_data(cell_text(cells, COL_USER, multiline=False))[:NICKNAME_MAX]
    return ImportedMessage(
        external_id=external_id,
        board=ctx.options.board,
        type=guess_type(title, ctx.options.default_type),
        title=title,
        body=body,
        submitted_at=submitted_at,
        category=category,
        region=ctx.regions.detect(title, body) or ctx.options.default_region,
        nickname=nickname,
        supports=counts["supports"],
        opposes=counts["opposes"],
        reply_body=reply_body,
        replied_at=replied_at,
        closed=ctx.options.closed,
    )


def _parse_time(
    value: Cell, column: str, name_en: str, ctx: _Context, bad: Callable[[str, str], None], *, required: bool
) -> dt.datetime | None:
    shown = _describe(value)
    if not shown and not isinstance(value, dt.date | int | float):
        if required:
            bad(f"{column}为空", f"the {name_en} ({column}) is empty")
        return None
    try:
        moment = parse_datetime(value)
    except (ValueError, OverflowError):
        bad(f"{column}“{shown}”无法识别", f"the {name_en} ({column}) '{shown}' is not a date")
        return None
    if moment < EARLIEST:
        bad(f"{column}“{shown}”早于 1990 年，不可信", f"the {name_en} '{shown}' is before 1990")
        return None
    if moment > ctx.now + FUTURE_TOLERANCE:
        bad(f"{column}“{shown}”在未来", f"the {name_en} '{shown}' is in the future")
        return None
    return moment


# ---------------------------------------------------------------------------------------------------------------
# Loading


def check_file(path: str | Path, options: ImportOptions | None = None) -> None:
    """Open a file and check its columns (and namespace) without importing: raise when it cannot be imported."""
    with open_table(path) as table:
        _check_table(table)
    if options is not None:
        namespace_for(Path(path), options)


def _check_table(table: Table) -> None:
    table.require(REQUIRED_COLUMNS)
    if table.total == 0:
        raise MalformedFile(f"{table.path.name}：文件中没有数据行", f"{table.path.name}: the file has no data rows")


def _load(actor: Actor, item: ImportedMessage, number: int, report: MessageImportReport) -> None:
    """One row, one transaction: a failing row never leaves a half-written message."""
    try:
        with transaction.atomic():
            _message, created = do_import_message(actor, item)
    except LiuyanError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        reasons = [str(v) for v in details.values()] if details else []
        report.add_error(number, "；".join([exc.zh, *reasons]), "; ".join([exc.en, *reasons]))
        return
    except IntegrityError:
        if Message.objects.filter(external_id=item.external_id).exists():
            report.skipped += 1  # another import loaded the same id at the same moment
            return
        report.add_error(number, "写入数据库失败（数据约束）", "the database refused the row (constraint)")
        return
    except DatabaseError as exc:
        report.add_error(number, f"写入数据库失败：{exc}", f"the database refused the row: {exc}")
        return
    if created:
        report.created += 1
    else:
        report.skipped += 1


@dataclass
class _Pending:
    """Mapped rows waiting to be loaded, and how far each one moves the progress bar once it is."""

    rows: list[tuple[int, ImportedMessage, int]] = field(default_factory=list)
    advance: int = 0  # spreadsheet rows read since the last mapped row (blank and bad rows)


def _flush(
    actor: Actor,
    pending: _Pending,
    options: ImportOptions,
    report: MessageImportReport,
    on_row: Callable[[int], object] | None,
) -> None:
    """Load a chunk of mapped rows; ids already present are counted as skipped with one query per chunk."""
    if pending.rows:
        wanted = [item.external_id for _, item, _ in pending.rows]
        present = set(Message.objects.filter(external_id__in=wanted).values_list("external_id", flat=True))
        for number, item, advance in pending.rows:
            if item.external_id in present:
                report.skipped += 1
            elif options.dry_run:
                report.created += 1
            else:
                _load(actor, item, number, report)
            if on_row is not None:
                on_row(advance)
        pending.rows.clear()


def import_table(
    table: Table,
    options: ImportOptions,
    *,
    on_row: Callable[[int], object] | None = None,
    detector: RegionDetector | None = None,
    categories: CategoryResolver | None = None,
) -> MessageImportReport:
    """Import the rows of an opened table (see `import_file`)."""
    _check_table(table)
    report = MessageImportReport(file=table.path.name, dry_run=options.dry_run)
    ctx = _Context(
        options=options,
        namespace=namespace_for(table.path, options),
        columns=set(table.columns),
        regions=detector or RegionDetector(options.board.region),
        categories=categories or CategoryResolver(),
        now=clock_now(),
    )
    actor = Actor.system()
    pending = _Pending()
    last = 1
    for number, cells in table.rows:
        report.rows += 1
        pending.advance += number - last
        last = number
        item = map_row(number, cells, ctx, report)
        if item is not None:
            pending.rows.append((number, item, pending.advance))
            pending.advance = 0
        if len(pending.rows) >= _CHUNK:
            _flush(actor, pending, options, report, on_row)
    _flush(actor, pending, options, report, on_row)
    if on_row is not None and pending.advance:
        on_row(pending.advance)
    report.errors.sort(key=lambda e: e.row)
    report.warnings.sort(key=lambda w: w.row)
    return report


def import_file(
    path: str | Path, options: ImportOptions, *, on_row: Callable[[int], object] | None = None
) -> MessageImportReport:
    """Import one CSV/XLSX file of messages. Good rows load (each in its own transaction); bad rows are reported
    with their spreadsheet row numbers; a file that cannot be read raises MalformedFile before anything is written.

    `on_row(n)` is called as rows are loaded (n = spreadsheet rows advanced), for progress bars.
    """
    with open_table(path) as table:
        return import_table(table, options, on_row=on_row)


def import_files(
    paths: Sequence[str | Path], options: ImportOptions, *, on_row: Callable[[int], object] | None = None
) -> list[MessageImportReport]:
    """Check every file first (a malformed one stops the run before any row is written), then import them."""
    for path in paths:
        check_file(path, options)
    detector = RegionDetector(options.board.region)
    categories = CategoryResolver()
    reports: list[MessageImportReport] = []
    for path in paths:
        with open_table(path) as table:
            reports.append(import_table(table, options, on_row=on_row, detector=detector, categories=categories))
    return reports


def all_problems(reports: Iterable[MessageImportReport]) -> list[tuple[str, str, RowError]]:
    """(file, "error"|"warning", problem) for every bad row and warning, in file and row order."""
    problems: list[tuple[str, str, RowError]] = []
    for report in reports:
        merged = [("error", e) for e in report.errors] + [("warning", w) for w in report.warnings]
        merged.sort(key=lambda p: (p[1].row, p[0]))
        problems.extend((report.file, kind, problem) for kind, problem in merged)
    return problems
