"""Settings shared by every environment. Values come from the environment (see config/env.py)."""

import datetime
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

from config.env import env_bool, env_choice, env_database, env_int, env_list, env_rate, env_redis_url, env_str

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-never-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api.apps.KnoxConfig",  # knox, named in Chinese
    "guardian",
    "accounts.apps.AxesConfig",  # axes, named in Chinese
    "csp",
    "audit",
    "accounts",
    "units",
    "periods",
    "scoring",
    "assessment",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on the pages of a logged-in user and the API; Permissions-Policy (common/headers.py).
    "common.headers.PrivateResponseMiddleware",
    # A control character (a NUL byte…) in the path, the query, a form field or a JSON body: 400 before any view or
    # query reads it (common/edge.py). After the headers' middleware, so the refusal carries them too.
    "common.edge.ControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login refused by the lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "units.context_processors.roles",
                "assessment.quarter.context_processors.current_period",
                "accounts.context_processors.idle_timeout",
                "assessment.home.context_processors.unread_notifications",
            ],
        },
    },
]

# Embedded default: a SQLite file beside manage.py. DATABASE_URL switches to PostgreSQL.
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked": a transaction takes the write
    # lock when it begins (IMMEDIATE), since SQLite cannot wait for a read transaction that later writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account or address before any password is checked (accounts/lockout.py).
    "accounts.lockout.LockoutBackend",
    # Django's password backend, which also counts the user's unread notifications as it loads them for each
    # request: the header's bell costs no query of its own (assessment/home/backends.py).
    "assessment.home.backends.UserBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no anonymous user row: nothing here is public

# A new password is refused when it is short, common, all digits, like the user name, of too few different
# characters or one short run repeated or counted up (abcabcabc, 12345678), or one of the last PASSWORD_HISTORY
# passwords of the account, the present one included (accounts/validators.py).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8, minimum=6)
PASSWORD_MIN_DISTINCT = env_int("PASSWORD_MIN_DISTINCT", 5, minimum=1)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.VarietyValidator", "OPTIONS": {"min_distinct": PASSWORD_MIN_DISTINCT}},
    {"NAME": "accounts.validators.HistoryValidator", "OPTIONS": {"keep": PASSWORD_HISTORY}},
]

# How many reverse proxies in front of the application append the client's address to X-Forwarded-For. 0: the
# address is the connection's (REMOTE_ADDR), and X-Forwarded-For is ignored, since anyone can send one. The login
# lockout and the API's throttles count by this address.
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)

# Login lockout (django-axes, accounts/lockout.py). Every attempt is recorded: each failure (AccessFailureLog,
# with whether it locked), the running count per account, address and browser (AccessAttempt) and each
# successful login and logout (AccessLog). An account is locked after LOGIN_FAILURES_PER_ACCOUNT failures in a
# row, from any address; an address after LOGIN_FAILURES_PER_ADDRESS, for any account (more: a whole office may
# sit behind one address). A lock lasts LOGIN_LOCKOUT_MINUTES after the last failure (0: until unlocked); the
# organisation department unlocks the accounts of its region (/accounts/locked/), an administrator any.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=0)
AXES_ENABLED = True
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ACCOUNT  # the handler maps the address's count onto this scale
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES) if LOGIN_LOCKOUT_MINUTES else None
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # the log names the user name and address of each attempt, not the browser; no start-up banner
# Masked in the attempt's copy of the posted form (the password always is); the user name and the address stay
# readable in the records and the log, which are there to say who tried what from where.
AXES_SENSITIVE_PARAMETERS = ["csrfmiddlewaretoken"]

# A session ends after SESSION_IDLE_TIMEOUT seconds without a request (0: never); the page warns
# SESSION_IDLE_WARNING seconds before (static/js/idle.js). SESSION_COOKIE_AGE still bounds the whole session.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=0)
SESSION_IDLE_WARNING = env_int("SESSION_IDLE_WARNING", 2 * 60, minimum=0)

# Content-Security-Policy (django-csp): scripts only from the application's own static files, never inline (no
# onclick=, no <script> blocks: static/js/ holds them) and never eval; nothing from another origin. Styles allow
# inline style attributes: the templates size progress bars and charts with them, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features no page here uses, refused to every page and anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), interest-cohort=()"
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese interface; code and msgids are English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Files that hold people's data (region-wide registers) live outside anything a web server serves; they
# are sent only by the views that check who asks. Web processes and Celery workers must share it.
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(BASE_DIR / "var" / "private")))
# The most digits a number typed, posted or read from a cell may have (common/numbers.py); each field's own
# limits (max_digits, a range) apply on top.
NUMBER_MAX_DIGITS = env_int("NUMBER_MAX_DIGITS", 18, minimum=6)
# The largest evidence file (证明材料) a declaration or an event may carry, in bytes (default 10 MB).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

# Workbook imports (monthly performance, rosters, annual inputs, earlier grades; pages and API). Each limit is
# checked before the workbook is parsed, from the zip's own figures, and refused with a message naming it: the
# upload's size; its size once unzipped (a small file can unzip to hundreds of MB); its sheets; the rows and
# columns of a sheet (a reader lays a sheet out as a grid, so two cells far apart cost their whole rectangle).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
IMPORT_MAX_EXPANDED_BYTES = env_int("IMPORT_MAX_EXPANDED_BYTES", 200 * 1024 * 1024, minimum=1)
IMPORT_MAX_SHEETS = env_int("IMPORT_MAX_SHEETS", 10, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000, minimum=1)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 50, minimum=1)
# A refused file lists its first problems only, and how many more there are (pages and API alike).
IMPORT_ERRORS_SHOWN = env_int("IMPORT_ERRORS_SHOWN", 200, minimum=1)
# A page imports a file larger than this in a Celery task with a progress bar instead of inside the request.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 1024 * 1024, minimum=0)

# Redis, when configured, is the Celery broker, the result backend and the cache.
REDIS_URL = env_redis_url("REDIS_URL")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker, tasks run in-process: the embedded default for a first run.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TRACK_STARTED = True
# Without a broker, a task run in-process keeps its result too, so its progress bar can say how it ended.
CELERY_TASK_STORE_EAGER_RESULT = True
# Run with `celery -A config beat`: the daily reminders of steps that fall due.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "assessment.quarter.tasks.send_reminders_task",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 60 * 60 * 12},
    },
    "purge-register-exports": {
        "task": "assessment.registers.tasks.purge_register_exports_task",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 60 * 60 * 12},
    },
    # The fairness analytics of a year whose quarter has just closed, computed before anyone opens the page.
    "refresh-fairness": {
        "task": "assessment.analytics.tasks.fairness_refresh_closed_task",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 60 * 9},
    },
}

# Notifications (assessment/notify.py) are in-app; a region whose network reaches a mail server may also send each
# new one by e-mail to the user's address (NOTIFY_EMAIL, off by default: these systems run on closed networks).
# The mail server is Django's standard EMAIL_* settings; SITE_URL, when set, makes the e-mail's link absolute.
NOTIFY_EMAIL = env_bool("NOTIFY_EMAIL", False)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SITE_URL = env_str("SITE_URL", "").rstrip("/")
# How many notifications one page of /notifications/ lists.
NOTIFICATIONS_PER_PAGE = env_int("NOTIFICATIONS_PER_PAGE", 50, minimum=1)

# How long after a placement ends the receiving unit still sees and assesses the person: long enough to
# finish the last quarter's results (domain.md §3: submitted by day 10 of the following month, then review).
PLACEMENT_GRACE_DAYS = env_int("PLACEMENT_GRACE_DAYS", 120, minimum=0)
# How many days a region-wide register built in the background stays available for download.
REGISTER_KEEP_DAYS = env_int("REGISTER_KEEP_DAYS", 7, minimum=1)
# The most entries one export of the audit trail (/trail/) holds; a larger selection is refused, to be narrowed
# by dates or filters first (the workbook is built in the request).
TRAIL_EXPORT_MAX_ROWS = env_int("TRAIL_EXPORT_MAX_ROWS", 50_000, minimum=1)
# How many parallel jobs ``manage.py restore`` gives pg_restore (README, "Backup and restore").
RESTORE_JOBS = env_int("RESTORE_JOBS", 2, minimum=1)

# The registers as PDF are made by LibreOffice headless (assessment/registers/pdf.py): the command to run, and
# how many seconds one conversion may take before it is stopped (a region's 平时考核登记表 is ~10,000 pages).
REGISTER_SOFFICE = env_str("REGISTER_SOFFICE", "soffice")
REGISTER_PDF_TIMEOUT = env_int("REGISTER_PDF_TIMEOUT", 1800, minimum=10)
# seed_demo refuses to run where this is false (production).
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", True)

# The REST API (/api/v1/, see api/). Tokens first, so that a request without credentials gets 401 with a
# WWW-Authenticate header rather than the 403 of session authentication.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's JSON parser, refusing a body nested deeper than API_JSON_MAX_DEPTH (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    # Per account (token or session) and, for requests that are not authenticated, per address (api/throttling.py);
    # over the rate the answer is 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonRateThrottle", "api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "30/minute"),
        "user": env_rate("API_THROTTLE_USER", "600/minute"),
    },
    "NUM_PROXIES": PROXY_COUNT,
}
# The deepest nesting of objects and arrays a JSON body may have (the bulk scores need 3).
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 20, minimum=3)
# Service-account tokens (django-rest-knox): only a SHA-512 digest is stored; a token lasts API_TOKEN_DAYS
# unless the administrator revokes it sooner (manage.py api_token USERNAME --revoke).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 365, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=API_TOKEN_DAYS),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "公务员考核管理系统 API",
    "DESCRIPTION": "平时考核与年度考核数据的读取与录入接口。认证：浏览器会话，或由管理员为服务账号签发的令牌"
    "（请求头 Authorization: Token <令牌>）。服务账号所见范围由其角色决定。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN on a closed network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per shared choice set (the quarterly and the annual grades appear under several fields).
    "ENUM_NAME_OVERRIDES": {
        "QuarterlyGradeEnum": "assessment.models.Grade",
        "AnnualGradeEnum": "assessment.models.AnnualGrade",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "api.schema.forbid_control_characters",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)},
    "loggers": {
        # Refusals (another unit's data, a closed period) are logged here for the audit of access.
        "kaohe.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # django-axes: each failed login and each lockout (successful logins are in its AccessLog table).
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
