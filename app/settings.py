"""Settings read from the environment (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLE = Path(__file__).resolve().parent / "data" / "articles" / "ramadi.txt"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'newsreader.db'}"
    host: str = "127.0.0.1"
    port: int = 8000
    # Server processes of `python -m app serve` (the name gunicorn and uvicorn read too).
    web_concurrency: int = Field(default=1, ge=1)
    # One log line per request costs about as much as serving a cached page: off unless asked.
    access_log: bool = False
    # FastAPI's native OpenTelemetry (spans, metrics, logs to the configured providers).
    telemetry: bool = False
    admin_token: str | None = None
    spacy_model: str = "en_core_web_sm"
    ingest_timeout: float = 120.0
    # `serve` starts one ingest worker process beside the server. Turn it off where workers
    # run on their own (`python -m app worker`, docker compose's `worker` service).
    local_worker: bool = True
    max_article_chars: int = 200_000
    # The address readers use to reach the server. Every absolute URL the app writes
    # (canonical links, share cards, annotation ids) starts with it; the request's Host
    # header never does, so no client can make the app hand out someone else's address.
    public_url: str = ""
    # Signs the session cookie. Unset: generated once and kept in DATA_DIR/secret_key, so
    # sessions survive a restart and every worker of one server agrees.
    secret_key: str | None = None
    data_dir: Path = PROJECT_ROOT / "data"
    # Host names requests may be addressed to (comma-separated in the environment; "*." for
    # subdomains); any other Host header gets 400. Default: PUBLIC_URL's host and loopback.
    allowed_hosts: Annotated[list[str], NoDecode] = []

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @model_validator(mode="after")
    def _default_public_url(self) -> "Settings":
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"PUBLIC_URL must be an http(s) URL with a host: {self.public_url!r}")
        if not self.allowed_hosts:
            self.allowed_hosts = list(dict.fromkeys([parts.hostname, "localhost", "127.0.0.1"]))
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
