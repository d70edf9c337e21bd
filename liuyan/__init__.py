"""Liuyan (留言): an open-source platform for government message boards."""

__version__ = "0.1.0"
