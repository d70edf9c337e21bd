"""People and their roles: citizens and the staff of the platform and of handling units."""

import hashlib
import secrets
import string

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    CITIZEN = "citizen", "网民 Citizen"
    REVIEWER = "reviewer", "审核员 Reviewer"
    DISPATCHER = "dispatcher", "交办员 Dispatcher"
    HANDLER = "handler", "办理人 Handler"
    UNIT_HEAD = "unit_head", "单位负责人 Unit head"
    SUPERVISOR = "supervisor", "督查员 Supervisor"
    ANALYST = "analyst", "分析员 Analyst"
    ADMIN = "admin", "管理员 Admin"
    SYSTEM = "system", "系统 System"


UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_HEAD})
PLATFORM_ROLES = frozenset({Role.REVIEWER, Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN})
STAFF_ROLES = UNIT_ROLES | PLATFORM_ROLES


class User(AbstractUser):
    """One account. Citizens log in with phone or e-mail; staff belong to a role and, for units, a unit."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CITIZEN, db_index=True)
    phone = models.CharField("手机号 phone", max_length=20, unique=True, null=True, blank=True)
    nickname = models.CharField("昵称 nickname", max_length=40, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="Handling unit, for handlers and unit heads",
    )
    region = models.ForeignKey(
        "geo.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Scope of platform staff (empty: the whole platform)",
    )

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["handler", "unit_head"]) | models.Q(unit__isnull=False),
                name="unit_staff_have_a_unit",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role in UNIT_ROLES and self.unit_id is None:
            raise ValidationError({"unit": "办理单位人员必须指定单位 / unit staff need a unit"})
        if self.email == "":
            self.email = ""

    @property
    def is_unit_staff(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def is_platform_staff(self) -> bool:
        return self.role in PLATFORM_ROLES

    @property
    def display_name(self) -> str:
        return self.nickname or self.get_full_name() or self.username


_TOKEN_ALPHABET = string.ascii_letters + string.digits


def new_token_key() -> str:
    """A fresh API key: `ly_` and 40 letters or digits (about 238 random bits).

    No punctuation: a prefix starting with "-" would read as an option to `liuyan token revoke`, and a key of
    letters and digits is selected whole by a double click.
    """
    return "ly_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(40))


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for staff and integrations. Only the hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        raw = new_token_key()
        token = cls.objects.create(user=user, name=name, prefix=raw[3:11], key_hash=_hash_token(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = cls.objects.select_related("user").filter(key_hash=_hash_token(raw), revoked_at=None).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
