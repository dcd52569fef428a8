"""Configuration: defaults here, then instance/config.py, then environment variables."""

import os

WEAK_SECRETS = {"", "dev", "change-me", "secret", "development-only-secret"}


class Config:
    SECRET_KEY = "development-only-secret"
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled by create_app (SQLite in instance/)
    # No ping on every checkout: app/core/__init__.py pings a pooled connection only when it
    # has been idle (POOL_PING_IDLE_SECONDS), sparing a busy pool a round trip a request.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    POOL_PING_IDLE_SECONDS = 1.0
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL: str | None = None
    # Without REDIS_URL: "thread" runs a request's jobs (dossiers, reports) in a background
    # thread of the web process, so the page returns at once and follows the job; "inline"
    # runs them in the request (the tests use it). Commands always run them inline.
    JOBS_WITHOUT_REDIS = "thread"
    # Worker processes that lay out a long dossier in parts (app/dossiers/parts.py); unset:
    # the CPUs the process may use; 1: every dossier in one pass.
    DOSSIER_PROCESSES: int | None = None
    DOSSIER_PART_MIN_WEIGHT: int | None = None  # the least weight of a part (parts.py)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    # Second factor: the name authenticator apps show, and how long "remember this device" lasts.
    TOTP_ISSUER = "YRD Research Integrity"
    TOTP_REMEMBER_DAYS = 30
    # Failed sign-ins only (app/auth/throttle.py): a lockout after this many failures for one
    # username or from one address, each within the window of the one before; every further
    # lockout in a row lasts twice as long, up to the maximum. Successful sign-ins never count.
    LOGIN_FAILURES_PER_ACCOUNT = 5
    LOGIN_FAILURES_PER_ADDRESS = 30
    LOGIN_FAILURE_WINDOW = 15 * 60
    LOGIN_LOCKOUT_SECONDS = 60
    LOGIN_LOCKOUT_MAX_SECONDS = 60 * 60
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none). Behind
    # one, set it, or every client has the proxy's address (one sign-in limit for all).
    TRUSTED_PROXIES = 0
    # A sign-in session not used for this long ends (the browser must sign in again).
    SESSION_IDLE_SECONDS = 12 * 60 * 60
    # The cost of new password hashes (app/auth/passwords.py): "standard", or "minimal" for a
    # test suite that creates accounts by the hundred (refused in production).
    PASSWORD_HASH_COST = "standard"
    # Demo mode allows the published demo password; never set it in production.
    DEMO = False
    PRODUCTION = False
    # Field-encryption keys: "keyid:base64key" entries, comma separated, first one current.
    FIELD_ENCRYPTION_KEYS: str | None = None
    # Region-wide key for matching hashes of personal identifiers (shared by all nodes).
    MATCHING_KEY: str | None = None
    # Keys the hash of the reporting portal's receipt codes (app/reporting/codes.py); unset:
    # derived from SECRET_KEY. Changing it makes every receipt code issued so far unknown.
    RECEIPT_CODE_KEY: str | None = None
    FILE_STORE: str | None = None  # defaults to instance/files
    # Compiled templates, kept between starts (a page's first view after a start otherwise
    # compiles its templates: most of that view's time). Defaults to instance/cache/templates;
    # "" turns it off.
    TEMPLATE_CACHE_DIR: str | None = None
    # A whole request (several evidence files at once); each file has its own limit below.
    MAX_CONTENT_LENGTH = 1024 * 1024 * 1024
    EVIDENCE_MAX_FILE_SIZE = 200 * 1024 * 1024
    # A proof of service (送达回证: a scan, a postal record, a screenshot).
    DOCUMENT_PROOF_MAX_SIZE = 20 * 1024 * 1024
    # Evidence types accepted, as libmagic reads them from the content (never the extension).
    EVIDENCE_ALLOWED_TYPES = frozenset(
        {
            "application/pdf",
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/tiff",
            "image/webp",
            "text/plain",
            "text/csv",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/zip",
            "message/rfc822",
            "audio/mpeg",
            "audio/x-wav",
            "video/mp4",
        }
    )
    # Integrity-record exchange: this node's id and where its key pair lives.
    EXCHANGE_NODE_ID: str | None = None
    EXCHANGE_KEY_DIR: str | None = None  # defaults to instance/exchange
    # The largest file a peer's signed envelope may name for this node to fetch (bytes).
    EXCHANGE_FILE_MAX_SIZE = 200 * 1024 * 1024
    # Signs audit checkpoints until the node has an exchange key (app/core/checkpoints.py).
    AUDIT_CHECKPOINT_KEY: str | None = None  # defaults to instance/audit_checkpoint_key.pem
    PER_PAGE = 25
    API_MAX_PER_PAGE = 100
    # Optional mail delivery of notifications (app/notifications/mail.py). Without MAIL_HOST
    # notifications stay in-app; with DEMO (`make run`) mails are written to the log.
    MAIL_HOST: str | None = None
    MAIL_PORT = 587
    MAIL_TLS = "starttls"  # "starttls", "ssl" or "none"
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "yrd-integrity@localhost"
    # Where mails link to: the address users open the platform at.
    PUBLIC_URL = "http://localhost:5000"
    # The daily backup (app/backup/tasks.py): off unless BACKUP_DIR is set; keeps the newest
    # BACKUP_KEEP archives there, encrypted to the operator's public key BACKUP_ENCRYPT_TO
    # (`flask backup keygen`) when set. BACKUP_PG_BIN: the folder of pg_dump / pg_restore
    # when they are not on PATH (they must be of the server's major version or newer).
    BACKUP_DIR: str | None = None
    BACKUP_KEEP = 7
    BACKUP_ENCRYPT_TO: str | None = None
    BACKUP_PG_BIN: str | None = None


ENV_SETTINGS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "JOBS_WITHOUT_REDIS": str,
    "FIELD_ENCRYPTION_KEYS": str,
    "MATCHING_KEY": str,
    "RECEIPT_CODE_KEY": str,
    "FILE_STORE": str,
    "TEMPLATE_CACHE_DIR": str,
    "POOL_PING_IDLE_SECONDS": float,
    "SESSION_COOKIE_SECURE": "bool",
    "PRODUCTION": "bool",
    "PASSWORD_HASH_COST": str,
    "TRUSTED_PROXIES": int,
    "MAX_CONTENT_LENGTH": int,
    "EVIDENCE_MAX_FILE_SIZE": int,
    "DOCUMENT_PROOF_MAX_SIZE": int,
    "EXCHANGE_NODE_ID": str,
    "EXCHANGE_KEY_DIR": str,
    "EXCHANGE_FILE_MAX_SIZE": int,
    "AUDIT_CHECKPOINT_KEY": str,
    "MAIL_HOST": str,
    "MAIL_PORT": int,
    "MAIL_TLS": str,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_SENDER": str,
    "PUBLIC_URL": str,
    "BACKUP_DIR": str,
    "BACKUP_KEEP": int,
    "BACKUP_ENCRYPT_TO": str,
    "BACKUP_PG_BIN": str,
    "DOSSIER_PROCESSES": int,
    "DOSSIER_PART_MIN_WEIGHT": int,
}


def from_environment() -> dict:
    """Environment variables override everything else (twelve-factor style)."""
    values = {}
    for name, kind in ENV_SETTINGS.items():
        raw = os.environ.get(name) or os.environ.get(f"YRD_{name}")
        if raw is None:
            continue
        if kind == "bool":
            values[name] = raw.lower() in {"1", "true", "yes", "on"}
        else:
            values[name] = kind(raw)
    if os.environ.get("YRD_DEMO", "").lower() in {"1", "true", "yes"}:
        values["DEMO"] = True
    return values


def secure_cookies(config) -> None:
    """Production runs behind HTTPS: its cookies never travel in the clear, and a browser is
    told (HSTS) to use HTTPS only. The remember-me cookie follows the session cookie."""
    if config.get("PRODUCTION"):
        config["SESSION_COOKIE_SECURE"] = True
    config["REMEMBER_COOKIE_SECURE"] = bool(
        config.get("REMEMBER_COOKIE_SECURE") or config.get("SESSION_COOKIE_SECURE")
    )


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` / `postgresql://` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
