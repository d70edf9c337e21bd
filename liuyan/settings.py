"""Django settings, read from LIUYAN_* environment variables with safe defaults for the demo."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

# Lets typed generics such as ModelAdmin[Region] and QuerySet[Message] work at run time.
django_stubs_ext.monkeypatch()


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"LIUYAN_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env("VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file, uploads and static files live here
# Real third-party data for evaluation (never committed): ../shared/data next to the project root by default.
SHARED_DATA_DIR = Path(env("SHARED_DATA_DIR", str(BASE_DIR.parent.parent / "shared" / "data"))).resolve()

DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("DEMO_MODE", False)
_DEMO_SECRET = "liuyan-demo-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY", _DEMO_SECRET)
USING_DEMO_SECRET = SECRET_KEY == _DEMO_SECRET  # `liuyan check --deploy` warns about it
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# The name the portal shows (Chinese, English), e.g. "西地省网上留言板".
SITE_NAME = env("SITE_NAME", "网上留言板")
SITE_NAME_EN = env("SITE_NAME_EN", "Online Message Board")
LOGIN_URL = "web:login"

# Behind a TLS-terminating load balancer in production: LIUYAN_HTTPS=1.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 3600)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "liuyan.common",
    "liuyan.accounts",
    "liuyan.geo",
    "liuyan.taxonomy",
    "liuyan.orgs",
    "liuyan.deadlines",
    "liuyan.messages",
    "liuyan.search",
    "liuyan.intake",
    "liuyan.classify",
    "liuyan.rollups",
    "liuyan.reports",
    "liuyan.dashboards",
    "liuyan.notify",
    "liuyan.api",
    "liuyan.web",
    "liuyan.dataio",
    "liuyan.demo",
    "liuyan.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liuyan.web.i18n.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "liuyan.web.errors.PortalErrorMiddleware",
]

ROOT_URLCONF = "liuyan.urls"
WSGI_APPLICATION = "liuyan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liuyan.web.context.portal",
            ]
        },
    }
]

DATABASES: dict[str, Any] = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'liuyan.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue instead of failing
    # with "database is locked" when a read transaction tries to upgrade; WAL lets readers run meanwhile.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME", "") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["liuyan.accounts.backends.PhoneOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

_REDIS_URL = env("REDIS_URL", "")
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "liuyan@localhost")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # seconds: a hanging mail server must not stall `notify send`

# Domain settings (see README "Settings").
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 9)
ATTACHMENT_TYPES = [t for t in env("ATTACHMENT_TYPES", "jpg,jpeg,png,gif,webp,pdf,doc,docx,xls,xlsx,txt").split(",")]
SUBMISSIONS_PAUSED = env_bool("SUBMISSIONS_PAUSED", False)
AUTO_CLOSE_DAYS = env_int("AUTO_CLOSE_DAYS", 15)
QUERY_CODE_TTL_DAYS = env_int("QUERY_CODE_TTL_DAYS", 365)
ARCHIVE_AFTER_DAYS = env_int("ARCHIVE_AFTER_DAYS", 90)
MAX_REOPEN_ROUNDS = env_int("MAX_REOPEN_ROUNDS", 3)
MAX_FOLLOW_UPS = env_int("MAX_FOLLOW_UPS", 3)
TRACK_ATTEMPTS_PER_HOUR = env_int("TRACK_ATTEMPTS_PER_HOUR", 20)
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)  # load balancers in front that append X-Forwarded-For

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
