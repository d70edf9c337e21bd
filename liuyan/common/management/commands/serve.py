"""`liuyan serve`: run the app under gunicorn (production WSGI server), static files served by WhiteNoise."""

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Liuyan with gunicorn: collects static files, applies migrations, then starts the workers."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("LIUYAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LIUYAN_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("LIUYAN_WORKERS", "0")),
            help="worker processes (default: 2 × CPU cores + 1)",
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("LIUYAN_THREADS", "4")))
        parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        workers = options["workers"] or (2 * (os.cpu_count() or 1) + 1)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "liuyan.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(workers),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("LIUYAN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            "--timeout",
            "60",
        ]
        self.stdout.write(
            f"Liuyan serving on http://{options['host']}:{options['port']}/ "
            f"({workers} workers; database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        sys.stdout.flush()
        os.execv(sys.executable, argv)
