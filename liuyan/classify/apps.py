"""The classifiers app: no models, only the `model` management command (train, evaluate, list, use)."""

from django.apps import AppConfig


class ClassifyConfig(AppConfig):
    name = "liuyan.classify"
    label = "classify"
    verbose_name = "文本分类模型 Text classifiers"
    default_auto_field = "django.db.models.BigAutoField"
