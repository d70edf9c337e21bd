"""Demo accounts: one fixed, printed login per role, plus citizens and unit staff that make the data look real."""

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction

from liuyan.accounts.models import Role, User
from liuyan.demo.corpus import NICKNAMES
from liuyan.demo.reference import Province

PASSWORD = "liuyan-demo"
CITIZEN_PHONE = "13800000000"
SHOWCASE_UNIT = "X0101-ZJ"  # A市住房和城乡建设局: the handler and unit head logins work here
MIN_CITIZENS = 80
MESSAGES_PER_CITIZEN = 20  # the citizen pool grows with the build: a million messages do not come from 80 people


def citizens_for(messages: int) -> int:
    """How many extra citizen accounts (besides 13800000000) a build of `messages` messages uses."""
    return max(MIN_CITIZENS, messages // MESSAGES_PER_CITIZEN)


@dataclass(frozen=True)
class Login:
    role: str
    login: str
    try_zh: str
    try_en: str
    password: str = PASSWORD


LOGINS: tuple[Login, ...] = (
    Login(
        Role.CITIZEN,
        CITIZEN_PHONE,
        "查看“我的留言”，写留言，评价答复、追问",
        "see my messages, write one, rate a reply, follow up",
    ),
    Login(
        Role.REVIEWER,
        "reviewer",
        "审核待审留言：受理、不予受理、直接答复、合并重复",
        "review queue: accept, reject, answer directly, merge",
    ),
    Login(
        Role.DISPATCHER,
        "dispatcher",
        "交办已受理留言，审批退回、转办、延期、协办",
        "dispatch accepted messages, decide returns and extensions",
    ),
    Login(
        Role.HANDLER,
        "handler",
        "A市住房和城乡建设局：签收、联系群众、起草答复",
        "A市住建局: sign, contact the citizen, draft replies",
    ),
    Login(
        Role.UNIT_HEAD,
        "unit_head",
        "A市住房和城乡建设局：审核本单位答复，查看下级单位",
        "A市住建局: approve replies, see sub-units",
    ),
    Login(
        Role.SUPERVISOR,
        "supervisor",
        "红黄灯预警、催办、督办、重点留言、重办",
        "warning lights, 催办/督办, key messages, reopen",
    ),
    Login(
        Role.ANALYST,
        "analyst",
        "统计分析：回复率、满意率、热点领域",
        "dashboards: reply and satisfaction rates, hot domains",
    ),
    Login(
        Role.ADMIN,
        "admin",
        "Django 管理后台 /admin/：单位、留言对象、分类、派单目录、日历",
        "Django admin /admin/: units, boards, catalogue, calendar",
    ),
)


@dataclass
class Staff:
    """Who acts in the simulation, by role; unit staff by unit."""

    citizens: list[User]
    reviewers: list[User]
    dispatchers: list[User]
    supervisors: list[User]
    admin: User
    handlers: dict[int, User] = field(default_factory=dict)  # unit pk → handler
    heads: dict[int, User] = field(default_factory=dict)  # unit pk → unit head
    created: int = 0


def _spec(username: str, role: str, **extra: object) -> dict[str, object]:
    return {"username": username, "role": role, **extra}


def ensure_users(province: Province, *, citizens: int = MIN_CITIZENS) -> Staff:
    """Create the demo accounts that do not exist yet (by username); never touches existing ones."""
    showcase = province.units[SHOWCASE_UNIT]
    specs = [
        _spec(CITIZEN_PHONE, Role.CITIZEN, phone=CITIZEN_PHONE, nickname="西地老张", email="citizen@demo.liuyan.cn"),
        _spec("reviewer", Role.REVIEWER, first_name="审核员"),
        _spec("reviewer2", Role.REVIEWER, first_name="审核员二"),
        _spec("dispatcher", Role.DISPATCHER, first_name="交办员"),
        _spec("dispatcher2", Role.DISPATCHER, first_name="交办员二"),
        _spec("handler", Role.HANDLER, unit=showcase, first_name="办理人"),
        _spec("unit_head", Role.UNIT_HEAD, unit=showcase, first_name="单位负责人"),
        _spec("supervisor", Role.SUPERVISOR, first_name="督查员"),
        _spec("supervisor2", Role.SUPERVISOR, first_name="督查员二"),
        _spec("analyst", Role.ANALYST, first_name="分析员"),
        _spec("admin", Role.ADMIN, is_staff=True, is_superuser=True, email="admin@demo.liuyan.cn"),
    ]
    for i in range(1, citizens + 1):
        phone = _citizen_phone(i)
        nickname = f"{NICKNAMES[i % len(NICKNAMES)]}{i // len(NICKNAMES) or ''}"
        specs.append(_spec(phone, Role.CITIZEN, phone=phone, nickname=nickname))
    for unit in sorted(province.units.values(), key=lambda u: u.code):
        if unit.code == SHOWCASE_UNIT:
            continue
        specs.append(_spec(f"handler.{unit.code.lower()}", Role.HANDLER, unit=unit, first_name=f"{unit.name}办理人"))
        specs.append(_spec(f"head.{unit.code.lower()}", Role.UNIT_HEAD, unit=unit, first_name=f"{unit.name}负责人"))

    names = [str(s["username"]) for s in specs]
    existing = set(_load(names))
    password = make_password(PASSWORD)  # one hash for every demo account: hashing hundreds would take minutes
    new = [User(password=password, **s) for s in specs if s["username"] not in existing]
    with transaction.atomic():
        User.objects.bulk_create(new, batch_size=500)

    users = _load(names)
    staff = Staff(
        citizens=[users[CITIZEN_PHONE]] + [users[_citizen_phone(i)] for i in range(1, citizens + 1)],
        reviewers=[users["reviewer"], users["reviewer2"]],
        dispatchers=[users["dispatcher"], users["dispatcher2"]],
        supervisors=[users["supervisor"], users["supervisor2"]],
        admin=users["admin"],
        created=len(new),
    )
    for unit in province.units.values():
        suffix = unit.code.lower()
        handler = users["handler"] if unit.code == SHOWCASE_UNIT else users[f"handler.{suffix}"]
        head = users["unit_head"] if unit.code == SHOWCASE_UNIT else users[f"head.{suffix}"]
        staff.handlers[unit.pk] = handler
        staff.heads[unit.pk] = head
    return staff


def _load(usernames: list[str]) -> dict[str, User]:
    """Users by username, in chunks (SQLite limits the number of query parameters)."""
    found: dict[str, User] = {}
    for start in range(0, len(usernames), 5000):
        chunk = usernames[start : start + 5000]
        found.update((u.username, u) for u in User.objects.filter(username__in=chunk).select_related("unit"))
    return found


def _citizen_phone(i: int) -> str:
    return f"138{i:08d}"


def logins_table(showcase: dict[str, str] | None = None, *, citizens: int = MIN_CITIZENS) -> str:
    """The printed table: role, login, password, what to try (Chinese and English)."""
    rows = [("角色 role", "登录名 login", "密码 password", "试试看 what to try")]
    for login in LOGINS:
        label = Role(login.role).label
        rows.append((label, login.login, login.password, f"{login.try_zh} / {login.try_en}"))
    if showcase and showcase.get("number"):
        rows.append(
            (
                "匿名留言人 anonymous author",
                f"留言编号 {showcase['number']}",
                f"查询码 {showcase['code']}",
                "用编号+查询码查询匿名留言的进度 / track an anonymous message with its number and query code",
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, row in enumerate(rows):
        cells = [_pad(row[c], widths[c]) for c in range(3)] + [row[3]]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 20)
    lines.append("")
    last = _citizen_phone(citizens)
    lines.append(f"其他演示账号（同一密码 {PASSWORD}）：13800000001–{last}（网民），")
    lines.append("handler.<单位编码> / head.<单位编码>（各单位办理人与负责人，如 handler.x0102-rs）。")
    lines.append(f"More demo accounts (same password): citizens 13800000001–{last}, and")
    lines.append("handler.<unit code> / head.<unit code> for every unit, e.g. handler.x0102-rs.")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def write_logins(path: Path, table: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table + "\n", encoding="utf-8")
    return path
