"""Points Django at a throw-away benchmark database (SQLite file or PostgreSQL) and migrates it."""

import os
import tempfile

import django


def use_database(kind: str) -> str:
    """Configure settings for a fresh database of `kind` ('sqlite' or 'postgres') and migrate it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="liuyan-bench-"), "bench.sqlite3")
        os.environ["LIUYAN_DATABASE_URL"] = f"sqlite:///{path}"
    elif kind == "postgres":
        import psycopg

        base = os.environ.get("LIUYAN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS liuyan_bench")
            conn.execute("CREATE DATABASE liuyan_bench")
        os.environ["LIUYAN_DATABASE_URL"] = f"{base}/liuyan_bench"
    else:
        raise SystemExit(f"unknown database kind: {kind}")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0, interactive=False)
    return str(os.environ["LIUYAN_DATABASE_URL"])
