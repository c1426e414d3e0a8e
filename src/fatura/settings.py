"""Django settings for Fatura.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (``sqlite:///path`` or ``postgres://user:pass@host:port/name``),
``FATURA_SECRET_KEY``, ``FATURA_DEBUG``, ``FATURA_ALLOWED_HOSTS``, ``FATURA_DATA_DIR``,
``FATURA_HTTPS``, ``FATURA_DEMO``.

Secure unless told otherwise (docs/decisions/0014-secure-by-default.md): ``DEBUG`` is off unless
``FATURA_DEBUG=1``; without ``FATURA_SECRET_KEY`` the app refuses to start, except in demo mode
(``FATURA_DEMO=1``, set by ``make run``/``make demo``), which keeps a random key of its own in
``DATA_DIR/secret_key``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FATURA_DATA_DIR", Path.cwd() / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet


def _flag(name: str) -> bool:
    return os.environ.get(name, "0") == "1"


# Demo mode (make run, make demo): the demo loader may run and the key is kept under DATA_DIR.
FATURA_DEMO = _flag("FATURA_DEMO")
DEBUG = _flag("FATURA_DEBUG")
# Served over HTTPS (directly, or behind a proxy ending TLS): redirect, HSTS, secure cookies.
FATURA_HTTPS = _flag("FATURA_HTTPS")


def _secret_key() -> str:
    """FATURA_SECRET_KEY; in demo mode without it, a random key made once in DATA_DIR/secret_key
    (mode 0600) and read back by every later start and by every process (web and worker)."""
    key = os.environ.get("FATURA_SECRET_KEY", "")
    if key:
        return key
    if not FATURA_DEMO:
        raise ImproperlyConfigured(
            "FATURA_SECRET_KEY is not set: give the app a long random secret "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set FATURA_DEMO=1 for a demo that keeps its own key in the data folder."
        )
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Written aside, then linked into place: of two processes starting at once, one wins and
        # both read the same key; nobody reads a half-written file.
        descriptor, aside = tempfile.mkstemp(dir=DATA_DIR, prefix=".secret_key.")  # mode 0600
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(aside)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("FATURA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "ninja",  # the API docs from its own static files, not a CDN (CSP)
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "fatura.core",
    "fatura.eventlog",
    "fatura.customers",
    "fatura.catalog",
    "fatura.usage",
    "fatura.billing",
    "fatura.banking",
    "fatura.receivables",
    "fatura.fiscal",
    "fatura.forecast",
    "fatura.mining",
    "fatura.web",
    "fatura.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fatura.core.uploads.UploadLimitMiddleware",  # before anything reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "fatura.urls"
WSGI_APPLICATION = "fatura.wsgi.application"
ASGI_APPLICATION = "fatura.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fatura.web.context.navigation",
            ],
        },
    }
]


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:] if parsed.path.startswith("//") else parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or str(DATA_DIR / "fatura.sqlite3"),
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
            # failing on a lock upgrade; the timeout is how long one waits. Reads go through
            # a memory map of the file (up to 1 GiB) rather than copies into SQLite's 2 MB
            # page cache: the NFS-e KPI's join of a million rows costs half (decision 0040).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA mmap_size = 1073741824",
            },
            "TEST": {"NAME": os.environ.get("FATURA_SQLITE_TEST_NAME") or None},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite or postgres)")


DATABASES = {
    "default": _database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fatura.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Secure defaults (`fatura check --deploy` passes with FATURA_HTTPS=1 and a strong key) ---
# Cookies: HTTP-only always (the pages send the CSRF token from the template, never the cookie);
# Secure over HTTPS. FATURA_HTTPS=1 also redirects HTTP to HTTPS and sends HSTS
# (FATURA_HSTS_SECONDS, a year by default, subdomains and preload included: set
# FATURA_HSTS_SECONDS=0 to send none). Behind a proxy that terminates TLS (FATURA_PROXY_HOPS > 0),
# its X-Forwarded-Proto header says whether the request came over HTTPS.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = FATURA_HTTPS
SECURE_SSL_REDIRECT = FATURA_HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("FATURA_HSTS_SECONDS", "31536000")) if FATURA_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = bool(SECURE_HSTS_SECONDS)
if int(os.environ.get("FATURA_PROXY_HOPS", "0")) > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("FATURA_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The demo over plain HTTP (make run on a laptop) is the one place without HTTPS on purpose.
SILENCED_SYSTEM_CHECKS = (
    ["security.W004", "security.W008", "security.W012", "security.W016"]
    if FATURA_DEMO and not FATURA_HTTPS
    else []
)
# Content-Security-Policy (django-csp): scripts and styles from this site only, no inline code
# except what carries the response's nonce (request.csp_nonce). Charts are drawn by
# web/static/web/charts.js from JSON data blocks; plotly.js writes its few style rules through
# the CSSOM into the nonce'd <style id="plotly.js-style-global"> of base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Portuguese (Brazil)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("FATURA_TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CACHES = {
    "default": {
        # Shared between the web process and the task worker (progress of long runs).
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("FATURA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Bounded input (core.limits, core.uploads): a request body over FATURA_MAX_UPLOAD_MB is cut while
# it streams in (413); a compressed upload (.gz, .zip, XES/OCEL) expands to FATURA_MAX_UNPACKED_MB.
FATURA_MAX_UPLOAD_MB = int(os.environ.get("FATURA_MAX_UPLOAD_MB", "50"))
FATURA_MAX_UNPACKED_MB = int(os.environ.get("FATURA_MAX_UNPACKED_MB", "500"))
# A volume file larger than this is imported by the worker (mining logs and NFS-e zips always are).
FATURA_VOLUME_BACKGROUND_KB = int(os.environ.get("FATURA_VOLUME_BACKGROUND_KB", "512"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default: larger uploads go to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = FATURA_MAX_UPLOAD_MB * 1024 * 1024

# The company that issues the invoices (printed on the PDF header).
FATURA_COMPANY = {
    "name": os.environ.get("FATURA_COMPANY_NAME", "Fatura Serviços Digitais Ltda."),
    "document": os.environ.get("FATURA_COMPANY_CNPJ", "11.222.333/0001-81"),
    "address": os.environ.get(
        "FATURA_COMPANY_ADDRESS", "Av. Paulista, 1000 - Bela Vista - São Paulo/SP - 01310-100"
    ),
    "email": os.environ.get("FATURA_COMPANY_EMAIL", "financeiro@fatura.example"),
}
# API bearer tokens live this long.
# Receivables: national holidays for due dates, approval threshold, e-mail sender
FATURA_HOLIDAYS_COUNTRY = os.environ.get("FATURA_HOLIDAYS_COUNTRY", "BR")
FATURA_HOLIDAYS_SUBDIV = os.environ.get("FATURA_HOLIDAYS_SUBDIV", "")
FATURA_APPROVAL_THRESHOLD = os.environ.get("FATURA_APPROVAL_THRESHOLD", "10000.00")
# Late charges of a customer without its own (percent; 0 charges nothing): the fine once, the
# interest per 30-day month, simple and pro rata die (receivables.late_charges, decision 0024)
FATURA_LATE_FINE_PERCENT = os.environ.get("FATURA_LATE_FINE_PERCENT", "0")
FATURA_LATE_INTEREST_MONTHLY_PERCENT = os.environ.get("FATURA_LATE_INTEREST_MONTHLY_PERCENT", "0")
# days from a service order's completion to its NFS-e, when no setting of the fiscal app applies
FATURA_NFSE_EXPECTED_LAG_DAYS = os.environ.get("FATURA_NFSE_EXPECTED_LAG_DAYS", "5")
_SMTP_HOST = os.environ.get("FATURA_SMTP_HOST", "")
EMAIL_HOST = _SMTP_HOST or "127.0.0.1"
EMAIL_PORT = int(os.environ.get("FATURA_SMTP_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("FATURA_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FATURA_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("FATURA_SMTP_TLS", "0") == "1"
# Without an SMTP server (the demo, a laptop) e-mails are written as files to DATA_DIR/outbox.
EMAIL_BACKEND = os.environ.get("FATURA_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if _SMTP_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = os.environ.get("FATURA_EMAIL_FROM", "financeiro@fatura.example")

FATURA_TOKEN_TTL_HOURS = int(os.environ.get("FATURA_TOKEN_TTL_HOURS", "12"))
# Login throttling (core.logins): this many failed logins for one username from one address lock
# that pair for this many minutes. FATURA_PROXY_HOPS: trusted reverse proxies in front of the app
# (0: the client address is REMOTE_ADDR; n: the n-th address from the right of X-Forwarded-For).
AUTHENTICATION_BACKENDS = ["fatura.core.logins.ThrottledModelBackend"]
FATURA_LOGIN_FAILURE_LIMIT = int(os.environ.get("FATURA_LOGIN_FAILURE_LIMIT", "10"))
FATURA_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("FATURA_LOGIN_LOCKOUT_MINUTES", "15"))
FATURA_PROXY_HOPS = int(os.environ.get("FATURA_PROXY_HOPS", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- Fiscal: the DPS of the Padrão Nacional NFS-e (docs/nfse-dps.md) ---
# The company's fiscal registration: IBGE municipality code (São Paulo by default), municipal
# registration (IM, left out of the DPS when blank), Simples Nacional situation (opSimpNac:
# 1 não optante, 2 MEI, 3 ME/EPP; regApTribSN for ME/EPP) and special regime (regEspTrib).
FATURA_COMPANY |= {
    "municipality_code": os.environ.get("FATURA_COMPANY_IBGE", "3550308"),
    "municipal_registration": os.environ.get("FATURA_COMPANY_IM", ""),
    "simples_nacional": os.environ.get("FATURA_COMPANY_OPSIMPNAC", "1"),
    "simples_regime": os.environ.get("FATURA_COMPANY_REGAPTRIBSN", ""),
    "special_regime": os.environ.get("FATURA_COMPANY_REGESPTRIB", "0"),
}
# DPS defaults: environment (tpAmb 1 production, 2 homologação), series, the service codes
# and ISS rate when the service type has none (010101: análise e desenvolvimento de sistemas),
# and the approximate taxes of Lei 12.741/2012 ("fed;est;mun" percentages, or the Simples
# Nacional percentage; both blank: indTotTrib 0).
FATURA_NFSE = {
    "environment": os.environ.get("FATURA_NFSE_TPAMB", "2"),
    "series": os.environ.get("FATURA_NFSE_SERIES", "1"),
    "national_code": os.environ.get("FATURA_NFSE_CTRIBNAC", "010101"),
    "municipal_code": os.environ.get("FATURA_NFSE_CTRIBMUN", ""),
    "iss_rate": os.environ.get("FATURA_NFSE_ISS_RATE", "5.00"),
    "approximate_taxes": os.environ.get("FATURA_NFSE_PTOTTRIB", ""),
    "approximate_taxes_simples": os.environ.get("FATURA_NFSE_PTOTTRIBSN", ""),
    # issuing through the Sefin Nacional (docs/decisions/0038): the API's base URL (production
    # https://sefin.nfse.gov.br/SefinNacional, produção restrita
    # https://sefin.producaorestrita.nfse.gov.br/SefinNacional), the company's A1 certificate
    # (PKCS#12) and its password, an optional CA bundle for the server, attempts per DPS
    "api_url": os.environ.get("FATURA_NFSE_API_URL", ""),
    "cert": os.environ.get("FATURA_NFSE_CERT", ""),
    "cert_password": os.environ.get("FATURA_NFSE_CERT_PASSWORD", ""),
    "ca": os.environ.get("FATURA_NFSE_CA", ""),
    "timeout": os.environ.get("FATURA_NFSE_TIMEOUT", "30"),
    "max_attempts": os.environ.get("FATURA_NFSE_MAX_ATTEMPTS", "6"),
}
