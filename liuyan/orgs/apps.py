"""App config for orgs."""

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "liuyan.orgs"
    label = "orgs"
    verbose_name = "单位与留言对象 Units and boards"
