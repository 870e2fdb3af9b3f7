"""docker-compose.yml: no Docker engine runs here, so this reads the file as Compose would and
checks that the team set-up the README documents holds together."""

from pathlib import Path
from typing import Any

import yaml

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, Any] = compose["services"]
    return services


def test_the_services_a_team_needs_are_there() -> None:
    assert {"db", "migrate", "app", "worker"} <= set(_services())


def test_extraction_runs_only_in_the_worker_service() -> None:
    services = _services()
    assert services["app"]["environment"]["LOCAL_WORKER"] == "false"
    assert services["worker"]["command"] == ["python", "-m", "app", "worker"]


def test_app_and_worker_wait_for_a_healthy_database_and_the_migrations() -> None:
    services = _services()
    assert "healthcheck" in services["db"]
    for name in ("app", "worker"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_every_environment_variable_is_a_setting_the_app_reads() -> None:
    known = {name.upper() for name in Settings.model_fields}
    for name, service in _services().items():
        if name == "db":
            continue
        unknown = set(service.get("environment", {})) - known
        assert not unknown, f"{name}: {unknown}"


def test_the_app_speaks_postgresql_through_psycopg() -> None:
    url = _services()["app"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")
