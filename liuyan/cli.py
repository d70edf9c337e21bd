"""The `liuyan` command: a thin wrapper that runs Django management commands with Liuyan's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["liuyan", *args])


if __name__ == "__main__":
    main()
