"""Django settings, derived from the environment and the active policy.

The policy decides what the site may do (which cookies, how long a session lives, whether HTTPS
is required); settings only translate it. A policy that does not load stops everything here,
with every problem listed: nothing starts on a broken promise.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from pledge.policy import PolicyError, load
from pledge.policy.calendar import Duration

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent

POLICY_PATH = Path(os.environ.get("PLEDGE_POLICY", REPO_DIR / "policies" / "japan-centre.yaml"))
try:
    POLICY = load(POLICY_PATH)
except PolicyError as exc:
    raise ImproperlyConfigured(f"the policy {POLICY_PATH} cannot be used:\n{exc}") from None

DATA_DIR = Path(os.environ.get("PLEDGE_DATA_DIR", Path.cwd() / "var")).resolve()
KEY_DIR = Path(os.environ.get("PLEDGE_KEY_DIR", Path.home() / ".config" / "pledge")).expanduser()

DEBUG = os.environ.get("PLEDGE_DEBUG") == "1"
TESTING = os.environ.get("PLEDGE_TESTING") == "1"
SECRET_KEY = os.environ.get("PLEDGE_SECRET_KEY", "")
if not SECRET_KEY:
    # The secret signs sessions and reset links; it lives beside the master key, outside the
    # data directory, so a copy of the data cannot forge them.
    from pledge.web.secret import secret_key

    SECRET_KEY = secret_key(KEY_DIR)

ALLOWED_HOSTS = os.environ.get("PLEDGE_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "pledge.vault",
    "pledge.datamap",
    "pledge.retention",
    "pledge.rights",
    "pledge.disclosures",
    "pledge.notices",
    "pledge.audit",
    "pledge.accounts",
    "pledge.shop",
    "pledge.traffic",
    "pledge.correspondence",
    "pledge.web",
    "pledge.conformance",
]
if TESTING:
    # Models that exercise the vault and datamap; never installed outside the test suite.
    INSTALLED_APPS.append("tests.vaultcases")

MIDDLEWARE = [
    "pledge.traffic.middleware.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pledge.web.middleware.DeclaredCookiesMiddleware",
    "pledge.web.middleware.OperatorSessionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "pledge.urls"
ASGI_APPLICATION = "pledge.asgi.application"
WSGI_APPLICATION = "pledge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pledge.web.context.site",
            ],
        },
    },
]

# --- database ------------------------------------------------------------------------------

SQLITE_OPTIONS = {
    # Immediate transactions take the write lock at BEGIN, so two writers queue on the busy
    # timeout instead of failing with "database is locked" half-way through.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    # auto_vacuum only takes effect before the first table exists; setting it on every
    # connection means the very first one, on an empty file, fixes it for good.
    "init_command": (
        "PRAGMA auto_vacuum=INCREMENTAL;"
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA secure_delete=ON;"
    ),
}


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "pledge.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            "TEST": {"NAME": os.environ.get("PLEDGE_TEST_SQLITE")},
        }
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = SQLITE_OPTIONS
    return config


def _keys_database(data: dict) -> dict:
    """The key database: never a schema of the data database, so no data backup holds keys."""
    url = os.environ.get("PLEDGE_KEYS_DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    elif data["ENGINE"] == "django.db.backends.postgresql":
        config = {**data, "NAME": f"{data['NAME']}_keys", "TEST": {"NAME": None}}
    else:
        KEY_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": KEY_DIR / "keys.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = SQLITE_OPTIONS
    return config


DATABASES = {"default": _database()}
DATABASES["keys"] = _keys_database(DATABASES["default"])
DATABASE_ROUTERS = ["pledge.vault.routers.KeyDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts ------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["pledge.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Customers imported from the former shop: their unsalted SHA-512 digest, wrapped in
    # Argon2id; upgraded to plain Argon2id at their first successful sign-in (JC4).
    "pledge.accounts.hashers.LegacySHA512Argon2Hasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]  # fmt: skip
LOGIN_URL = "/account/sign-in/"

# --- sessions and cookies: only what the policy declares ------------------------------------


def _visitor_session_cookie() -> str:
    cookies = POLICY.visitor_cookies()
    return cookies[0].name if cookies else "session"


SESSION_COOKIE_NAME = _visitor_session_cookie()
SESSION_EXPIRE_AT_BROWSER_CLOSE = True


def _seconds(duration: Duration) -> int:
    """Nominal seconds (a year of 365 days) for headers and cookie ages."""
    days = duration.years * 365 + duration.months * 30 + duration.days
    return days * 86400 + duration.hours * 3600 + duration.seconds


SESSION_COOKIE_AGE = _seconds(POLICY.accounts.session_idle)
# Saved on every request that uses the session, so the idle time counts from the last page.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_USE_SESSIONS = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- transport and browser protections ------------------------------------------------------

SECURE_SSL_REDIRECT = os.environ.get("PLEDGE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = None
SECURE_HSTS_SECONDS = _seconds(POLICY.transport.hsts)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a decision for the operator of a real domain, not a default.
    "security.W021",
]

DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# --- static files, time, language ------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG or TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = POLICY.time_zone
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "pledge": {"handlers": ["console"], "level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

OPERATOR_EMAIL = os.environ.get("PLEDGE_OPERATOR_EMAIL", f"operator@{POLICY.id}.localhost")

# --- mail and payments -----------------------------------------------------------------------

DEFAULT_FROM_EMAIL = f"{POLICY.controller.name} <{POLICY.controller.email}>"
SERVER_EMAIL = POLICY.controller.email
if os.environ.get("PLEDGE_SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["PLEDGE_SMTP_HOST"],
                "port": int(os.environ.get("PLEDGE_SMTP_PORT", "587")),
                "username": os.environ.get("PLEDGE_SMTP_USER", ""),
                "password": os.environ.get("PLEDGE_SMTP_PASSWORD", ""),
                "use_tls": os.environ.get("PLEDGE_SMTP_TLS", "starttls") == "starttls",
                "use_ssl": os.environ.get("PLEDGE_SMTP_TLS") == "ssl",
                "timeout": 20,
            },
        }
    }
else:
    # No mail server configured: messages are printed by the server, never stored. This is a
    # deliberate choice for a first run, announced by `pledge serve`, so Django's warning that
    # the console backend sends nothing is expected here and silenced.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    SILENCED_SYSTEM_CHECKS.append("mail.E001")

# A hosted payment page is an optional processor; "test" is the in-process stand-in.
PAYMENT_PROVIDER = os.environ.get("PLEDGE_PAYMENT_PROVIDER", "")
BANK_DETAILS = os.environ.get(
    "PLEDGE_BANK_DETAILS", f"{POLICY.controller.name}, sort code 00-00-00, account 00000000"
)
# An order still awaiting payment this many days after it was placed is cancelled, so that its
# retention starts: an order never paid would otherwise keep its buyer's details for ever.
UNPAID_ORDER_DAYS = int(os.environ.get("PLEDGE_UNPAID_ORDER_DAYS", "30"))
SHOP_CURRENCY = os.environ.get("PLEDGE_CURRENCY") or (
    "JPY" if POLICY.law.jurisdiction == "JP" else "GBP"
)
