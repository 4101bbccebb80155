"""docker-compose.multiconnect.yml (docs/cluster.md): Meta's multiconnect layout, every node on
the images' commands and healthchecks, one database and one media volume for all; and its
environment run as real processes outside Docker (no Docker engine needed): two masters, a
coreapp and the webapp answer /v1/health keyed by node, with their roles."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.databases import free_port, require_server
from tests.stacks import ADMIN_PASSWORD, Process, bearer, wait_until
from tests.test_containers import (
    DOCKERFILES,
    ROOT,
    emulator_services,
    expected_healthcheck,
    healthcheck_command,
    image_of,
    interpolate,
    parse_dockerfile,
    rewrite,
    service_environment,
    settings_variables,
)
from waemu.settings import Settings
from waemu.storage.engine import drop_database

COMPOSE = ROOT / "docker-compose.multiconnect.yml"
NODES = ("master1", "master2", "wacore1", "wacore2", "wacore3")


def load() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def environment(service: str) -> dict[str, str]:
    """What a process of ``service`` sees: its image's ENV, then the service's environment."""
    spec = load()["services"][service]
    image = image_of(spec)
    assert image is not None, service
    env = dict(parse_dockerfile(DOCKERFILES[image]).env)
    env.update({k: interpolate(v) for k, v in service_environment(spec).items()})
    return env


def test_services_are_metas_multiconnect_layout_on_the_images_commands() -> None:
    compose = load()
    assert emulator_services(compose) == {
        "wanetwork": "network",
        **dict.fromkeys(NODES, "coreapp"),
        "waweb": "webapp",
    }
    for name, command in emulator_services(compose).items():
        service = compose["services"][name]
        assert healthcheck_command(service["healthcheck"]["test"]) == expected_healthcheck(command)
        assert service["restart"] == "unless-stopped", name
        assert "MKNOD" in service["cap_drop"], name
    assert compose["services"]["waweb"]["ports"] == ["9090:443"]


def test_every_node_is_a_cluster_node_on_the_shared_database_and_media() -> None:
    compose = load()
    for name in NODES:
        settings = Settings.from_env(environment(name))
        assert settings.cluster.enabled, name
        assert settings.cluster.master == name.startswith("master"), name
        assert settings.cluster.hostname == name  # the service name the webapp resolves
        assert settings.cluster.port == settings.core_port == 6250
        assert (settings.db.engine, settings.db.hostname) == ("MYSQL", "db")
        assert settings.network_host == "wanetwork"
        assert "wamedia:/usr/local/wamedia" in compose["services"][name]["volumes"]
    web = Settings.from_env(environment("waweb"))
    assert web.cluster.enabled
    assert (web.db.engine, web.db.hostname) == ("MYSQL", "db")
    assert "wamedia:/usr/local/wamedia" in compose["services"]["waweb"]["volumes"]


def test_every_variable_set_is_one_the_emulator_reads() -> None:
    known = settings_variables()
    for name, service in load()["services"].items():
        ours = {n for n in service_environment(service) if n.startswith(("WA_", "WACORE_"))}
        assert ours <= known, f"{name}: {sorted(ours - known)}"


@pytest.mark.mysql
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_compose_cluster_environment_answers_health_by_node(tmp_path: Path) -> None:
    """wanetwork, master1, master2, wacore1 and waweb with the compose variables, each node
    on 127.0.0.1 with its own port instead of its own host, on local MariaDB."""
    require_server("mysql")
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    network_port, control_port, web_port = str(free_port()), str(free_port()), str(free_port())
    data, media = str(tmp_path / "data"), str(tmp_path / "media")
    outside_docker = {
        "WA_DATA_DIR": ("/usr/local/waent/data", data),
        "WA_MEDIA_DIR": ("/usr/local/wamedia", media),
        "WA_MIGRATIONS_DIR": ("/app/migrations", str(ROOT / "migrations")),
        "WA_DB_HOSTNAME": ("db", "127.0.0.1"),
        "WA_DB_PASSWORD": ("testpass", ""),
        "WA_DB_NAME_PREFIX": (None, prefix),
        "WA_BCRYPT_ROUNDS": (None, "4"),
    }
    net_env = rewrite(
        environment("wanetwork"),
        {
            "WA_NETWORK_PORT": ("5222", network_port),
            "WA_NETWORK_CONTROL_PORT": ("9190", control_port),
            "WA_NETWORK_DATA_DIR": ("/usr/local/waent/network", str(tmp_path / "network")),
        },
    )
    processes = [Process("network", net_env, tmp_path)]
    for name in ("master1", "master2", "wacore1"):
        port = str(free_port())
        env = rewrite(
            environment(name),
            {
                **outside_docker,
                "WA_NETWORK_HOSTNAME": ("wanetwork", "127.0.0.1"),
                "WA_NETWORK_PORT": (None, network_port),
                "COREAPP_HOSTNAME": (name, "127.0.0.1"),
                "COREAPP_EXTERNAL_PORTS": ("6250,6251,6252,6253", port),
                "WACORE_PORT": (None, port),
                "WA_CONTAINER_ID": (None, name),  # Docker's HOSTNAME: the container id
            },
        )
        processes.append(Process("coreapp", env, tmp_path, name))
    web_env = rewrite(
        environment("waweb"),
        {**outside_docker, "WA_WEB_PORT": ("443", web_port), "WA_WEB_TLS": (None, "0")},
    )
    processes.append(Process("webapp", web_env, tmp_path, "waweb"))
    try:
        for process in processes:
            process.start()
        with httpx.Client(base_url=f"http://127.0.0.1:{web_port}", timeout=60) as http:

            def answering() -> bool:
                for process in processes:
                    assert process.proc is not None and process.proc.poll() is None, process.log()
                try:
                    return http.post("/v1/users/login", auth=("admin", "x")).status_code == 401
                except httpx.TransportError:
                    return False

            wait_until(answering, 90, "the cluster to answer")
            login = http.post(
                "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
            )
            assert login.status_code == 200, login.text
            headers = bearer(login.json()["users"][0]["token"])

            def roles() -> dict[str, str]:
                health = http.get("/v1/health", headers=headers).json()["health"]
                return {node: found["role"] for node, found in health.items()}

            wait_until(
                lambda: (
                    sorted(roles().values()) == ["coreapp", "primary_master", "secondary_master"]
                ),
                30,
                "a primary and a secondary master",
            )
            assert set(roles()) == {f"127.0.0.1:{n}" for n in ("master1", "master2", "wacore1")}
    finally:
        for process in reversed(processes):
            if process.proc is not None:
                process.stop()
        asyncio.run(drop_database(Settings.from_env(web_env).db))
