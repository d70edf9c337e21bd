"""App config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "liuyan.accounts"
    label = "accounts"
    verbose_name = "账户 Accounts"
