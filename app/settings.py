"""Settings read from the environment (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLE = Path(__file__).resolve().parent / "data" / "articles" / "ramadi.txt"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'newsreader.db'}"
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: str | None = None
    spacy_model: str = "en_core_web_sm"
    ingest_timeout: float = 120.0
    max_article_chars: int = 200_000


@lru_cache
def get_settings() -> Settings:
    return Settings()
