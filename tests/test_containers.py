"""The container images and docker-compose.yml: commands, variables, healthchecks, volumes,
and the compose environment running the real processes (no Docker engine needed)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.databases import free_port, require_server
from tests.stacks import ADMIN_PASSWORD, Process, bearer, wait_until
from waemu.cli import main as waemu_main
from waemu.settings import Settings
from waemu.storage.engine import drop_database

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "waemu"
ROLES = ("coreapp", "webapp")
DOCKERFILES = {role: ROOT / f"Dockerfile.{role}" for role in ROLES}
# The command each compose service runs (``waemu <command>``) and the image that holds it:
# the network has no image of its own, it is the coreapp image with another command.
IMAGE_OF_COMMAND = {"coreapp": "coreapp", "webapp": "webapp", "network": "coreapp"}
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"
# Read outside settings.py: by storage/migrate.py.
READ_ELSEWHERE = {
    "WA_MIGRATIONS_DIR": SRC / "storage" / "migrate.py",
}
VARIABLE = re.compile(r"""["'](WA_[A-Z0-9_]+|WACORE_[A-Z0-9_]+)["']""")
ENVIRON_GET = re.compile(r"""os\.environ\.get\(\s*['"]([A-Z0-9_]+)['"]""")


# --- reading the files -----------------------------------------------------------------------


@dataclass
class Dockerfile:
    """The instructions of a Dockerfile that the tests look at."""

    base: str = ""
    user: str = ""
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    expose: list[str] = field(default_factory=list)
    copies: list[list[str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)

    def folders_owned_by(self, owner: str) -> set[str]:
        """Folders the RUN instructions create with ``mkdir -p`` and give to ``owner``."""
        created: set[str] = set()
        owned: set[str] = set()
        for run in self.runs:
            for step in run.split("&&"):
                words = step.split()
                if words[:2] == ["mkdir", "-p"]:
                    created.update(words[2:])
                elif words[:2] == ["chown", owner]:
                    owned.update(words[2:])
        return created & owned


def _instructions(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def parse_dockerfile(path: Path) -> Dockerfile:
    """The parts of ``path`` the tests check."""
    parsed = Dockerfile()
    for keyword, rest in _instructions(path.read_text()):
        if keyword == "FROM":
            parsed.base = rest
        elif keyword == "USER":
            parsed.user = rest
        elif keyword == "CMD":
            parsed.cmd = json.loads(rest)
        elif keyword == "EXPOSE":
            parsed.expose += rest.split()
        elif keyword == "COPY":
            parsed.copies.append(rest.split())
        elif keyword == "RUN":
            parsed.runs.append(rest)
        elif keyword == "ENV":
            for item in shlex.split(rest):
                name, sep, value = item.partition("=")
                assert sep, f"{path.name}: use ENV NAME=value, not {item!r}"
                parsed.env[name] = value
        elif keyword == "HEALTHCHECK":
            _options, sep, command = rest.partition(" CMD ")
            assert sep, f"{path.name}: HEALTHCHECK without CMD"
            parsed.healthcheck = json.loads(command)
    return parsed


def load_compose() -> dict[str, Any]:
    """docker-compose.yml as PyYAML reads it (anchors and merge keys resolved)."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment``, in either of the two compose spellings."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.partition("=")[::2] for item in raw)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(value: str) -> str:
    """Compose interpolation with every variable unset on the host: ``${X:-d}`` is ``d``."""
    resolved = _INTERPOLATION.sub(lambda m: m.group(2) or "", value.replace("$$", "\0"))
    assert "$" not in resolved, f"unsupported interpolation in {value!r}"
    return resolved.replace("\0", "$")


def image_of(service: Mapping[str, Any]) -> str | None:
    """``coreapp``/``webapp`` for the services built from the emulator's Dockerfiles."""
    build = service.get("build")
    if not isinstance(build, dict):
        return None
    name = Path(str(build.get("dockerfile", ""))).name
    for role, path in DOCKERFILES.items():
        if name == path.name:
            return role
    return None


def emulator_services(compose: Mapping[str, Any]) -> dict[str, str]:
    """``{service name: command}`` for every service running an emulator image, where the
    command is the ``waemu`` subcommand it runs (``coreapp``, ``webapp``, ``network``)."""
    found: dict[str, str] = {}
    for name, service in compose["services"].items():
        if image_of(service) is not None:
            command = service["command"]
            assert command[0] == "waemu" and len(command) == 2, name
            found[name] = command[1]
    return found


def named_volumes(compose: Mapping[str, Any], service: str) -> dict[str, str]:
    """``{volume: mount point}`` of the named volumes (not bind mounts) ``service`` mounts."""
    mounts: dict[str, str] = {}
    for entry in compose["services"][service].get("volumes", []):
        source, _, target = str(entry).partition(":")
        if source in (compose.get("volumes") or {}):
            mounts[source] = target.partition(":")[0]
    return mounts


def settings_variables() -> set[str]:
    """Every variable the processes read: the quoted names in settings.py, plus two more."""
    names = set(VARIABLE.findall((SRC / "settings.py").read_text()))
    for name, reader in READ_ELSEWHERE.items():
        assert f'"{name}"' in reader.read_text(), f"{name} is no longer read by {reader.name}"
        names.add(name)
    return names


def healthcheck_command(test: list[str]) -> list[str]:
    """The argv of a compose healthcheck ``test`` in the ``CMD`` form."""
    assert test and test[0] == "CMD", f"expected an exec-form healthcheck, got {test!r}"
    return list(test[1:])


def network_healthcheck() -> list[str]:
    """The coreapp image's healthcheck aimed at the network's socket instead of the coreapp's:
    same listen-address logic, ``WA_NETWORK_*`` variables and the network's default port."""
    defaults = Settings()
    changes = {
        "WA_TCP_LISTEN_ADDRESS": "WA_NETWORK_LISTEN_ADDRESS",
        "WACORE_PORT": "WA_NETWORK_PORT",
        f"or {defaults.core_port})": f"or {defaults.network_port})",
    }
    command = []
    for part in parse_dockerfile(DOCKERFILES["coreapp"]).healthcheck:
        for old, new in changes.items():
            assert part.count(old) <= 1, old
            part = part.replace(old, new)
        command.append(part)
    assert all(new in command[-1] for new in changes.values()), command
    return command


def expected_healthcheck(command: str) -> list[str]:
    """The healthcheck of a container running ``waemu <command>``."""
    if command == "network":
        return network_healthcheck()
    return parse_dockerfile(DOCKERFILES[command]).healthcheck


# --- static checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_dockerfile_runs_the_role_as_an_unprivileged_user(role: str) -> None:
    image = parse_dockerfile(DOCKERFILES[role])
    assert image.base == "python:3.11-slim"
    assert image.cmd == ["waemu", role]
    assert image.user not in ("", "root", "0", "0:0")
    assert image.env["WA_MIGRATIONS_DIR"] == "/app/migrations"
    assert ["migrations/", "migrations/"] in image.copies  # relative to WORKDIR /app
    assert image.env["WA_DATA_DIR"] == "/usr/local/waent/data"
    assert image.env["WA_MEDIA_DIR"] == "/usr/local/wamedia"
    assert image.healthcheck[:2] == ["python", "-c"]


def test_dockerfiles_listen_where_the_real_containers_do() -> None:
    core = parse_dockerfile(DOCKERFILES["coreapp"])
    assert core.env["WA_TCP_LISTEN_ADDRESS"] == "any"
    # The same image runs the network (`waemu network`); it must be reachable from outside too.
    assert core.env["WA_NETWORK_LISTEN_ADDRESS"] == "any"
    assert core.env["WA_NETWORK_DATA_DIR"] == "/usr/local/waent/network"
    assert core.expose == ["6250"]
    web = parse_dockerfile(DOCKERFILES["webapp"])
    assert web.env["WA_WEB_HOST"] == "0.0.0.0"  # noqa: S104 - published by compose
    assert web.env["WA_WEB_PORT"] == "443"
    assert web.expose == ["443"]


def test_the_waemu_command_is_python_m_waemu() -> None:
    """The images run ``waemu <role>``; the end-to-end test runs ``python -m waemu <role>``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["waemu"] == "waemu.cli:main"
    assert "from waemu.cli import main" in (SRC / "__main__.py").read_text()


def test_compose_services_run_the_images_commands() -> None:
    compose = load_compose()
    services = emulator_services(compose)
    assert services == {
        "wanetwork": "network",
        "wacore": "coreapp",
        "waweb": "webapp",
        "wanetwork-postgres": "network",
        "wacore-postgres": "coreapp",
        "waweb-postgres": "webapp",
    }
    for name, command in services.items():
        service = compose["services"][name]
        image = IMAGE_OF_COMMAND[command]
        assert image_of(service) == image, name
        assert service["image"] == f"waemu/{image}:${{WA_API_VERSION:-latest}}", name
        if command == image:  # the image's own command
            assert service["command"] == parse_dockerfile(DOCKERFILES[image]).cmd, name


@pytest.mark.parametrize("command", sorted(IMAGE_OF_COMMAND))
def test_the_compose_commands_exist(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``waemu network`` and the others are subcommands of the installed ``waemu``."""
    with pytest.raises(SystemExit) as exited:
        waemu_main([command, "--help"])
    assert exited.value.code == 0
    assert f"usage: waemu {command}" in capsys.readouterr().out


def test_compose_healthchecks_are_the_images_healthchecks() -> None:
    compose = load_compose()
    for name, command in emulator_services(compose).items():
        test = compose["services"][name]["healthcheck"]["test"]
        assert healthcheck_command(test) == expected_healthcheck(command), name


def test_compose_dependencies_wait_for_healthy_services() -> None:
    compose = load_compose()
    services = compose["services"]
    for name in emulator_services(compose):
        depends = services[name].get("depends_on", {})
        assert isinstance(depends, dict), name
        for target, condition in depends.items():
            assert condition == {"condition": "service_healthy"}, name
            assert services[target].get("healthcheck", {}).get("test"), target
            # A service in no profile must not depend on one that only runs in a profile.
            assert set(services[target].get("profiles", [])) <= set(
                services[name].get("profiles", [])
            ), name


def test_compose_layout() -> None:
    compose = load_compose()
    services = compose["services"]
    assert services["db"]["image"] == "mysql:8.0.33"
    assert services["db-postgres"]["image"] == "postgres:13.8"
    assert services["waweb"]["ports"] == ["9090:443"]
    for name in ("db-postgres", "wanetwork-postgres", "wacore-postgres", "waweb-postgres"):
        assert services[name]["profiles"] == ["postgres"], name
    for name in ("db", "wanetwork", "wacore", "waweb"):
        assert "profiles" not in services[name], name
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert "MKNOD" in service["cap_drop"], name
    core = service_environment(services["wacore"])
    assert core["WA_DB_ENGINE"] == "MYSQL"
    assert (core["WA_DB_HOSTNAME"], core["WA_DB_PORT"]) == ("db", "3306")
    assert core["WA_TCP_LISTEN_ADDRESS"] == "any"
    pg = service_environment(services["wacore-postgres"])
    assert (pg["WA_DB_ENGINE"], pg["WA_DB_HOSTNAME"]) == ("PGSQL", "db-postgres")
    assert service_environment(services["waweb"])["WACORE_HOSTNAME"] == "wacore"
    assert service_environment(services["waweb-postgres"])["WACORE_HOSTNAME"] == "wacore-postgres"
    for name in ("waweb", "waweb-postgres"):
        web = service_environment(services[name])
        published = {p.rsplit(":", 1)[1] for p in services[name]["ports"]}
        assert published == {web["WA_WEB_PORT"]}, name
    # Coreapp and webapp of a stack share the media volume.
    for core_name, web_name in (("wacore", "waweb"), ("wacore-postgres", "waweb-postgres")):
        media = {v for v in services[core_name]["volumes"] if v.endswith(":/usr/local/wamedia")}
        assert media, core_name
        assert media <= set(services[web_name]["volumes"]), web_name


STACKS = {  # network, coreapp, host port of the network's control API
    "mysql": ("wanetwork", "wacore", "9190"),
    "postgres": ("wanetwork-postgres", "wacore-postgres", "9192"),
}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_compose_network_service(stack: str) -> None:
    """Each stack has its own network; its coreapp connects to it once it is healthy."""
    network_name, core_name, control_host_port = STACKS[stack]
    compose = load_compose()
    services = compose["services"]
    network = Settings.from_env(container_environment(network_name))
    core = Settings.from_env(container_environment(core_name))
    # The coreapp finds the network by service name, on the port the network listens on.
    assert core.network_host == network_name
    assert core.network_port == network.network_port
    assert services[core_name]["depends_on"][network_name] == {"condition": "service_healthy"}
    # Reachable from the other containers and through the published port.
    assert service_environment(services[network_name])["WA_NETWORK_LISTEN_ADDRESS"] == "any"
    assert network.network_listen == "0.0.0.0"  # noqa: S104
    # Only the control API is published, on the container port the network serves it on.
    assert services[network_name]["ports"] == [
        f"{control_host_port}:{network.network_control_port}"
    ]
    # The state lives on a volume of its own, mounted where the network keeps it.
    volumes = named_volumes(compose, network_name)
    assert list(volumes.values()) == [str(network.network_data_dir)], network_name
    (volume,) = volumes
    users = [name for name in services if volume in named_volumes(compose, name)]
    assert users == [network_name], volume


def test_the_two_stacks_share_no_host_port_and_no_volume() -> None:
    compose = load_compose()
    services = compose["services"]
    ports = [p.split(":")[0] for svc in services.values() for p in svc.get("ports", [])]
    assert len(ports) == len(set(ports)), ports
    mysql = {"db", "wanetwork", "wacore", "waweb"}
    mysql_volumes = {v for name in mysql for v in named_volumes(compose, name)}
    other_volumes = {v for name in set(services) - mysql for v in named_volumes(compose, name)}
    assert mysql_volumes and other_volumes
    assert not mysql_volumes & other_volumes


def test_the_images_own_the_folders_their_volumes_are_mounted_on() -> None:
    """A new named volume takes the ownership of the image's folder; a folder missing from the
    image would be created root-owned, and the unprivileged process could not write it."""
    compose = load_compose()
    for name, command in emulator_services(compose).items():
        image = IMAGE_OF_COMMAND[command]
        parsed = parse_dockerfile(DOCKERFILES[image])
        owned = parsed.folders_owned_by(f"{parsed.user}:{parsed.user}")
        for volume, target in named_volumes(compose, name).items():
            assert target in owned, f"{name}: {volume} is mounted on {target}, not in the image"


def test_every_variable_set_for_the_containers_is_one_the_emulator_reads() -> None:
    known = settings_variables()
    assert {"WA_DB_ENGINE", "WACORE_HOSTNAME", "WACORE_PORT", "WA_WEB_PORT"} <= known
    compose = load_compose()
    places: list[tuple[str, set[str]]] = []
    for path in DOCKERFILES.values():
        image = parse_dockerfile(path)
        places.append((path.name, set(image.env)))
        places.append((f"{path.name} HEALTHCHECK", set(ENVIRON_GET.findall(image.healthcheck[-1]))))
    for name, service in compose["services"].items():
        places.append((f"service {name}", set(service_environment(service))))
        test = service.get("healthcheck", {}).get("test", [])
        places.append((f"service {name} healthcheck", set(ENVIRON_GET.findall(" ".join(test)))))
    for where, names in places:
        ours = {n for n in names if n.startswith(("WA_", "WACORE_"))}
        unknown = ours - known
        assert not unknown, (
            f"{where} uses {sorted(unknown)}, which the emulator does not read (settings.py)"
        )


def test_every_variable_the_emulator_reads_is_documented() -> None:
    """Each one has its own row in the tables of docs/configuration.md (not counting the
    table of the real product's variables that have no effect)."""
    text = CONFIGURATION_DOC.read_text()
    used, sep, _ignored = text.partition("\n## Variables of the real product that have no effect")
    assert sep, "docs/configuration.md lost its section on variables without effect"
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", used, re.M))
    missing = settings_variables() - documented
    assert not missing, f"{sorted(missing)} are not described in docs/configuration.md"


def test_dockerignore_keeps_what_the_images_copy() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "expected an allow-list .dockerignore"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    for path in DOCKERFILES.values():
        for copy in parse_dockerfile(path).copies:
            for source in copy[:-1]:
                assert source.rstrip("/") in allowed, f"{path.name} copies ignored {source}"
                assert (ROOT / source).exists(), source


# --- the compose environment, outside Docker --------------------------------------------------


def container_environment(service: str) -> dict[str, str]:
    """What a process of ``service`` sees: its image's ENV, then the service's environment."""
    compose = load_compose()
    spec = compose["services"][service]
    image = image_of(spec)
    assert image is not None, service
    env = dict(parse_dockerfile(DOCKERFILES[image]).env)
    env.update({k: interpolate(v) for k, v in service_environment(spec).items()})
    return env


def rewrite(env: dict[str, str], changes: Mapping[str, tuple[str | None, str]]) -> dict[str, str]:
    """Apply ``{name: (expected value in compose, new value)}``; None: may be absent."""
    for name, (expected, new) in changes.items():
        if expected is not None:
            assert env.get(name) == expected, f"{name} is {env.get(name)!r}, not {expected!r}"
        env[name] = new
    # Variables of the developer's shell must not leak in: the containers do not have them.
    for name in os.environ:
        if name.startswith(("WA_", "WACORE_")) and name not in env:
            env[name] = ""
    return env


def healthy(command: list[str], env: Mapping[str, str]) -> bool:
    """Run an image healthcheck here (``python`` is this interpreter); exit 0 is healthy."""
    argv = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    try:
        done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, timeout=15)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _alive(*processes: Process) -> None:
    for process in processes:
        assert process.proc is not None
        if process.proc.poll() is not None:
            raise AssertionError(f"{process.role} exited:\n{process.log()}")


@pytest.mark.mysql
@pytest.mark.slow
def test_compose_mysql_environment_serves_the_api(tmp_path: Path) -> None:
    """wanetwork + wacore + waweb with the compose variables, as the images start them, on
    local MariaDB."""
    require_server("mysql")
    core_port, web_port = str(free_port()), str(free_port())
    network_port, control_port = str(free_port()), str(free_port())
    data, media = str(tmp_path / "waent-data"), str(tmp_path / "wamedia")
    network_data = tmp_path / "waent-network"
    outside_docker = {
        "WA_DATA_DIR": ("/usr/local/waent/data", data),
        "WA_MEDIA_DIR": ("/usr/local/wamedia", media),
        "WA_MIGRATIONS_DIR": ("/app/migrations", str(ROOT / "migrations")),
        "WACORE_PORT": (None, core_port),
    }
    net_env = rewrite(
        container_environment("wanetwork"),
        {
            **outside_docker,
            "WA_NETWORK_PORT": ("5222", network_port),
            "WA_NETWORK_CONTROL_PORT": ("9190", control_port),
            "WA_NETWORK_DATA_DIR": ("/usr/local/waent/network", str(network_data)),
        },
    )
    core_env = rewrite(
        container_environment("wacore"),
        {
            **outside_docker,
            "WA_DB_HOSTNAME": ("db", "127.0.0.1"),
            "WA_DB_PASSWORD": ("testpass", ""),
            "WA_DB_NAME_PREFIX": (None, f"t{uuid.uuid4().hex[:10]}_"),
            "WA_NETWORK_HOSTNAME": ("wanetwork", "127.0.0.1"),
            "WA_NETWORK_PORT": (None, network_port),
        },
    )
    web_env = rewrite(
        container_environment("waweb"),
        {
            **outside_docker,
            "WACORE_HOSTNAME": ("wacore", "127.0.0.1"),
            "WA_WEB_PORT": ("443", web_port),
        },
    )
    assert net_env["WA_NETWORK_LISTEN_ADDRESS"] == "any"
    assert core_env["WA_DB_ENGINE"] == "MYSQL"
    assert core_env["WA_TCP_LISTEN_ADDRESS"] == "any"
    compose = load_compose()
    net_check = healthcheck_command(compose["services"]["wanetwork"]["healthcheck"]["test"])
    core_check = parse_dockerfile(DOCKERFILES["coreapp"]).healthcheck
    web_check = parse_dockerfile(DOCKERFILES["webapp"]).healthcheck
    db = Settings.from_env(core_env).db

    network = Process("network", net_env, tmp_path)
    coreapp = Process("coreapp", core_env, tmp_path)
    webapp = Process("webapp", web_env, tmp_path)
    upgrade = Process("coreapp", {**core_env, "WA_DB_UPGRADE": "1"}, tmp_path)
    try:
        # The one-shot schema upgrade (docs/docker.md): migrates, exits 0, serves nothing.
        upgrade.start()
        assert upgrade.proc is not None
        assert upgrade.proc.wait(120) == 0, upgrade.log()
        assert not healthy(core_check, core_env)
        assert not healthy(net_check, net_env)

        # Compose order: the network, its healthcheck; the coreapp, its healthcheck; then the
        # webapp, its healthcheck.
        network.start()

        def network_healthy() -> bool:
            _alive(network)
            return healthy(net_check, net_env)

        wait_until(network_healthy, 60, "the network healthcheck")
        coreapp.start()

        def core_healthy() -> bool:
            _alive(network, coreapp)
            return healthy(core_check, core_env)

        wait_until(core_healthy, 60, "the coreapp healthcheck")
        webapp.start()

        def web_healthy() -> bool:
            _alive(network, coreapp, webapp)
            return healthy(web_check, web_env)

        wait_until(web_healthy, 60, "the webapp healthcheck")
        assert (tmp_path / "waent-data" / "certs" / "webapp.crt").exists()

        with httpx.Client(base_url=f"https://127.0.0.1:{web_port}", verify=False) as http:
            http.timeout = httpx.Timeout(30)
            login = http.post(
                "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
            )
            assert login.status_code == 200, login.text
            token = login.json()["users"][0]["token"]
            assert token
            health = http.get("/v1/health", headers=bearer(token))
            assert health.status_code == 200, health.text
            body = health.json()
            assert set(body) == {"health", "meta"}
            assert body["health"] == {"gateway_status": "unregistered"}
            assert body["meta"]["api_status"] == "stable"

        # The network's control API, published by compose as 9190:9190.
        with httpx.Client(base_url=f"http://127.0.0.1:{control_port}", timeout=30) as control:
            answer = control.get("/health")
            assert answer.status_code == 200, answer.text
            assert answer.json()["outage"] is False

            def coreapp_connected() -> bool:
                """The coreapp found the network (WA_NETWORK_HOSTNAME/PORT) and said hello."""
                _alive(network, coreapp, webapp)
                sessions = control.get("/health").json()["sessions"]
                return any(session["client_id"] for session in sessions)

            wait_until(coreapp_connected, 30, "the coreapp's connection to the network")
            issued = control.post(
                "/certificates", json={"cc": "1", "phone_number": "6315550100", "vname": "Acme"}
            )
            assert issued.status_code == 200, issued.text
            certificate = issued.json()
            assert certificate["wa_id"] == "16315550100"
            assert isinstance(certificate["cert"], str) and certificate["cert"]
        # The network's state is where WA_NETWORK_DATA_DIR (the compose volume) points.
        assert (network_data / "state.json").exists()
        assert (network_data / "ca_ed25519.pem").exists()

        # `docker stop` sends SIGTERM: the network stops cleanly.
        for process in (webapp, coreapp):
            process.stop()
        assert network.stop() == 0, network.log()
    finally:
        for process in (webapp, coreapp, network, upgrade):
            if process.proc is not None:
                process.stop()
        asyncio.run(drop_database(db))
