"""App config for synth: the calibrated national synthetic data set."""

from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "liuyan.synth"
    label = "synth"
    verbose_name = "合成数据 Synthetic data"
