"""`liuyan token create USERNAME --name NAME | list [USERNAME] | revoke ID|PREFIX`: API tokens for staff and integrations."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from liuyan.accounts.models import ApiToken, User
from liuyan.common.commands import LiuyanCommand


class Command(LiuyanCommand):
    help = "API 访问令牌：创建、列出、撤销 / API tokens: create, list, revoke"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户创建令牌（只显示一次） / create a token (shown once)")
        create.add_argument("username", help="用户名、手机号或邮箱 / username, phone or e-mail")
        create.add_argument("--name", required=True, help="令牌用途，如集成系统名称 / what the token is for")
        listing = sub.add_parser("list", help="列出令牌 / list tokens")
        listing.add_argument("username", nargs="?", help="只列出该用户的令牌 / only this user's tokens")
        listing.add_argument("--all", action="store_true", help="包括已撤销的令牌 / include revoked tokens")
        revoke = sub.add_parser("revoke", help="撤销令牌 / revoke a token")
        revoke.add_argument("token", help="令牌编号或前缀（list 中显示） / token id or prefix (as listed)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options.get("username"), include_revoked=options["all"])
        else:
            self._revoke(options["token"])

    def _user(self, login: str) -> User:
        user = User.objects.filter(Q(username=login) | Q(phone=login) | Q(email__iexact=login)).first()
        if user is None:
            raise CommandError(f"用户不存在 / no such user: {login}")
        return user

    def _create(self, login: str, name: str) -> None:
        user = self._user(login)
        if not user.is_active:
            raise CommandError(f"用户已停用 / the user is inactive: {user.username}")
        name = name.strip()
        if not name:
            raise CommandError("请用 --name 说明令牌用途 / give the token a --name")
        token, raw = ApiToken.issue(user, name[:80])
        self.stderr.write(
            f"已为 {user.username}（{user.role}）创建令牌 #{token.pk}「{token.name}」。令牌只显示这一次，请妥善保存：\n"
            f"Token #{token.pk} '{token.name}' created for {user.username} ({user.role}). "
            "It is shown only once; store it safely:"
        )
        self.stdout.write(raw)

    def _list(self, login: str | None, *, include_revoked: bool) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at", "pk")
        if login:
            tokens = tokens.filter(user=self._user(login))
        if not include_revoked:
            tokens = tokens.filter(revoked_at=None)
        rows = list(tokens)
        if not rows:
            self.stdout.write("没有令牌 / no tokens")
            return
        self.stdout.write("id\tprefix\tuser\trole\tname\tcreated\tlast used\trevoked")
        for t in rows:
            self.stdout.write(
                "\t".join(
                    [
                        str(t.pk),
                        f"{t.prefix}…",
                        t.user.username,
                        t.user.role,
                        t.name,
                        _when(t.created_at),
                        _when(t.last_used_at),
                        _when(t.revoked_at),
                    ]
                )
            )

    def _revoke(self, ref: str) -> None:
        ref = ref.strip().removeprefix("ly_").rstrip("…")
        matches = ApiToken.objects.filter(revoked_at=None)
        matches = matches.filter(pk=int(ref)) if ref.isdigit() and len(ref) < 8 else matches.filter(prefix=ref[:8])
        found = list(matches[:2])
        if not found:
            raise CommandError(f"没有该有效令牌 / no active token matches: {ref}")
        if len(found) > 1:
            raise CommandError(f"前缀对应多个令牌，请用编号 / several tokens match, use the id: {ref}")
        token = found[0]
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        self.stdout.write(f"已撤销令牌 #{token.pk}「{token.name}」（{token.user.username}） / revoked")


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value is not None else "-"
