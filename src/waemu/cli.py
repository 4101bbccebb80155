"""The ``waemu`` command: ``run`` starts everything; the others start one process each,
as the containers do (see docs/configuration.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from waemu.settings import ConfigError, Settings


def _configure_logging(name: str, level: str) -> None:
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s {name} %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # aiosqlite's DEBUG lines print every statement with its parameters: keys, secrets, hashes.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLevelName(level)))


def _apply_flags(args: argparse.Namespace) -> None:
    """Flags are shorthands for variables, so child processes see them too."""
    if getattr(args, "http", False):
        os.environ["WA_WEB_TLS"] = "0"
    if getattr(args, "port", None) is not None:
        os.environ["WA_WEB_PORT"] = str(args.port)
    if getattr(args, "data_dir", None):
        os.environ["WA_DATA_DIR"] = args.data_dir
    if getattr(args, "cluster", None) is not None:
        os.environ["WA_APP_MULTICONNECT"] = "1"  # SQLite is refused with a clear error


def _migrate(settings: Settings) -> int:
    from waemu.storage import engine, migrate

    async def run() -> None:
        await engine.wait_and_create_database(settings.db)
        db = engine.create_engine(settings.db)
        try:
            await migrate.upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(run())
    logging.getLogger("waemu").info("database %s is up to date", settings.db.database_name)
    return 0


DESCRIPTION = """\
An emulator of the WhatsApp Business On-Premises API. "waemu run" starts everything on this
machine; the other commands start one process each, as the containers do. Every setting is an
environment variable (WA_...), listed in docs/configuration.md."""

# name: (one-line help, description shown by "waemu <name> --help")
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "start network, coreapp and webapp (Ctrl-C stops all)",
        "Start the simulated WhatsApp network, the coreapp and the webapp as child processes "
        "on this machine (embedded SQLite under the data folder unless WA_DB_* say otherwise) "
        "and stop them all on Ctrl-C or SIGTERM.",
    ),
    "webapp": (
        "start the webapp only (the web container)",
        "Serve the /v1 REST API (HTTPS on WA_WEB_PORT, 9090 by default) and forward its work "
        "to the coreapp at WACORE_HOSTNAME:WACORE_PORT.",
    ),
    "coreapp": (
        "start the coreapp only (the core container)",
        "Wait for the database, apply migrations, connect to the simulated network and serve "
        "the webapps on WACORE_PORT; sends webhooks.",
    ),
    "network": (
        "start the simulated WhatsApp network only",
        "Serve the simulated WhatsApp network to coreapps (WA_NETWORK_PORT) and its control "
        "API for tests and people (WA_NETWORK_CONTROL_PORT, OpenAPI at /docs).",
    ),
    "migrate": (
        "apply database migrations and exit",
        "Create the database if needed, bring its schema up to date, and exit.",
    ),
    "cert": (
        "print a verified-name certificate for POST /v1/account",
        "Print a certificate from the simulated network's authority for a phone number and "
        "display name: the cert that POST /v1/account and /v1/account/shards expect.",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waemu", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = {
        name: sub.add_parser(name, help=summary, description=description)
        for name, (summary, description) in COMMANDS.items()
    }
    for name in ("run", "webapp"):
        p = commands[name]
        p.add_argument("--http", action="store_true", help="serve plain HTTP (WA_WEB_TLS=0)")
        p.add_argument("--port", type=int, help="port of the webapp (WA_WEB_PORT)")
    commands["run"].add_argument(
        "--cluster",
        type=int,
        nargs="?",
        const=3,
        metavar="COREAPPS",
        help="a multiconnect cluster: two masters, COREAPPS coreapps (3) and two webapps on "
        "PostgreSQL or MySQL (WA_DB_ENGINE); see docs/cluster.md",
    )
    cert = commands["cert"]
    cert.add_argument("--cc", required=True, help="country calling code, e.g. 1")
    cert.add_argument("--phone-number", required=True, help="national number, e.g. 6315550100")
    cert.add_argument("--vname", required=True, help="the display name the certificate shows")
    for p in commands.values():
        p.add_argument("--data-dir", help="folder for SQLite, certificates, media (WA_DATA_DIR)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``waemu`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    _apply_flags(args)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"waemu: configuration error: {exc}", file=sys.stderr)
        return 2
    # A cluster's nodes say which one is speaking (``coreapp master1``).
    node = f" {settings.cluster.container_id}" if settings.cluster.enabled else ""
    _configure_logging(f"{args.command}{node}", settings.log_level)
    if args.command == "run":
        from waemu.supervisor import supervise

        return supervise(settings, args.cluster)
    if args.command == "network":
        from waemu.network.main import serve as serve_network

        return serve_network(settings)
    if args.command == "cert":
        from waemu.network.main import issue_certificate

        print(issue_certificate(settings, args.cc, args.phone_number, args.vname))
        return 0
    if args.command == "webapp":
        from waemu.webapp.server import serve as serve_webapp

        if settings.cluster.enabled:
            # The webapps of a cluster read where to send each call from the shared database.
            from waemu.storage.cluster_map import DatabaseMap

            return serve_webapp(settings, DatabaseMap(settings.db))
        return serve_webapp(settings)
    if args.command == "migrate" or settings.db_upgrade:
        # WA_DB_UPGRADE=1 makes the coreapp image a one-shot schema upgrade (spec §1.5).
        return _migrate(settings)
    from waemu.coreapp.main import serve as serve_coreapp

    return serve_coreapp(settings)
