"""The coreapp's lifecycle: listen, wait for the database, migrate, load, serve, drain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from waemu.background import stop_task
from waemu.clock import Clock, SystemClock
from waemu.coreapp import inbox_requests
from waemu.coreapp.cluster import ClusterNode
from waemu.coreapp.dispatch import Dispatcher
from waemu.coreapp.handlers import account as account_handlers
from waemu.coreapp.handlers import auth as auth_handlers
from waemu.coreapp.handlers import backup as backup_handlers
from waemu.coreapp.handlers import certificates as certificates_handlers
from waemu.coreapp.handlers import certificates_external as external_cert_handlers
from waemu.coreapp.handlers import contacts as contacts_handlers
from waemu.coreapp.handlers import health as health_handlers
from waemu.coreapp.handlers import media as media_handlers
from waemu.coreapp.handlers import messages as messages_handlers
from waemu.coreapp.handlers import services as services_handlers
from waemu.coreapp.handlers import settings as settings_handlers
from waemu.coreapp.handlers import stats as stats_handlers
from waemu.coreapp.handlers import stickerpacks as stickerpack_handlers
from waemu.coreapp.handlers import support as support_handlers
from waemu.coreapp.handlers import users as users_handlers
from waemu.coreapp.network_link import NetworkLink
from waemu.coreapp.readiness import Phase, Readiness
from waemu.coreapp.server import CoreServer
from waemu.coreapp.services import backup
from waemu.coreapp.services.account import AccountService
from waemu.coreapp.services.auth import SigningKeyService
from waemu.coreapp.services.contacts import ContactsService
from waemu.coreapp.services.external_cert import ExternalCertificateService
from waemu.coreapp.services.gc import GarbageCollector
from waemu.coreapp.services.identity import IdentityService
from waemu.coreapp.services.inbound import InboundService
from waemu.coreapp.services.media import MediaService
from waemu.coreapp.services.media_providers import MediaProvidersService
from waemu.coreapp.services.message_media import MessageMedia
from waemu.coreapp.services.messages import MessagesService
from waemu.coreapp.services.outbound import OutboundQueue
from waemu.coreapp.services.passwords import Hasher
from waemu.coreapp.services.photo import PhotoService
from waemu.coreapp.services.profile import ProfileService
from waemu.coreapp.services.settings import SettingsService
from waemu.coreapp.services.stats import AppStats
from waemu.coreapp.services.stickerpacks import StickerPacksService
from waemu.coreapp.services.support import SupportService
from waemu.coreapp.services.templates import TemplatesService
from waemu.coreapp.services.users import LoginThrottle, UsersService
from waemu.coreapp.services.webhook_ca import WebhookCaService
from waemu.coreapp.startup import OutboxBacklog, Startup
from waemu.errors import ApiError
from waemu.gc_pauses import freeze_startup_objects
from waemu.settings import Settings
from waemu.storage import engine as db_engine
from waemu.storage import init_lock, migrate
from waemu.storage.batch import BatchWriter
from waemu.storage.repos import webhooks as webhook_repo
from waemu.storage.server_writes import ServerWrites
from waemu.storage.sqlite_writes import SqliteWrites
from waemu.webhooks import journal as webhook_journal
from waemu.webhooks.dispatcher import Dispatcher as WebhookDispatcher
from waemu.webhooks.outbox import Outbox

log = logging.getLogger(__name__)

# How long receipts (and the rest of the writer's items but sends) wait to share a commit
# on PostgreSQL and MySQL.
RECEIPT_LINGER_SECONDS = 0.005
# Closing the database pool waits for its connections; a dead server must not hold a stop.
DISPOSE_SECONDS = 10.0


class CoreApp:
    """One coreapp process."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.readiness = Readiness()
        self.dispatcher = Dispatcher(self.readiness)
        self.server = CoreServer(self.dispatcher, settings.core_listen, settings.core_port)
        self.engine: AsyncEngine | None = None
        self.writes: SqliteWrites | ServerWrites | None = None
        self.app_settings: SettingsService | None = None
        self.link: NetworkLink | None = None
        self.contacts: ContactsService | None = None
        self.media: MediaService | None = None
        self.writer: BatchWriter | None = None
        self.send_writes: SqliteWrites | ServerWrites | None = None
        self.send_writer: BatchWriter | None = None
        self.outbound: OutboundQueue | None = None
        self.messages: MessagesService | None = None
        self.templates: TemplatesService | None = None
        self.startup: Startup | None = None
        self.webhooks: WebhookDispatcher | None = None
        self.webhook_notices: webhook_journal.AttemptNotices | None = None
        self.gc: GarbageCollector | None = None
        self.cluster: ClusterNode | None = None  # in a cluster (WA_APP_MULTICONNECT=1)
        self.stats = AppStats()  # spec §10.2: in memory, from the first request on
        self.dispatcher.observe = self.stats.observe_operation
        self._pushes: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {}
        self.dispatcher.register(health_handlers.operations(self.readiness, self._cluster_health))

    async def _initialize(self) -> None:
        """Wait for the database, apply migrations, load state, register operations."""
        await db_engine.wait_and_create_database(self.settings.db)
        self.engine = db_engine.create_engine(self.settings.db)
        sessions = db_engine.session_factory(self.engine)
        throttle = LoginThrottle(
            self.clock, self.settings.login_max_failures, self.settings.login_lockout_seconds
        )
        users = UsersService(sessions, Hasher(self.settings.bcrypt_rounds), self.clock, throttle)
        account = AccountService(sessions)
        # The nodes of a cluster start one at a time: the first creates what all share.
        async with init_lock.held(self.engine, self.settings.db.wait_seconds):
            await migrate.upgrade(self.engine)
            await users.load()
            await account.load()
        self.dispatcher.register(users_handlers.operations(users))
        self.dispatcher.register(auth_handlers.operations(SigningKeyService(sessions)))
        app_settings = SettingsService(sessions, require_https=self.settings.webhook_require_https)
        providers = MediaProvidersService(sessions, self.clock)
        await app_settings.load()
        await providers.load()
        profile, photo = ProfileService(sessions), PhotoService(sessions, self.clock)
        self.dispatcher.register(
            settings_handlers.operations(app_settings, providers, profile, photo)
        )
        self.app_settings = app_settings
        limit = self.settings.max_upload_bytes
        self.media = MediaService(
            sessions, self.clock, self.settings.media_dir, providers, max_upload_bytes=limit
        )
        await self.media.load()
        self.dispatcher.register(media_handlers.operations(self.media))
        self.dispatcher.set_authorizer(users.authorize)
        self.dispatcher.register(account_handlers.operations(account))
        support = SupportService(
            self.settings, self.engine, self.readiness, account, self.clock, dict(os.environ)
        )
        self.dispatcher.register(support_handlers.operations(support))
        credentials = account.credentials
        if self.settings.cluster.enabled:
            self.cluster = ClusterNode(
                self.settings.cluster,
                sessions,
                self.clock,
                self.readiness,
                intervals=lambda: (
                    app_settings.application().heartbeat_interval,
                    app_settings.application().unhealthy_interval,
                ),
                shard_count=lambda: account.shards,
            )
            cluster = self.cluster

            async def credentials() -> dict[str, Any] | None:
                return await cluster.credentials(await account.credentials())

        self.link = account.link = NetworkLink(
            self.settings.network_host,
            self.settings.network_port,
            client_id=account.client_id,
            readiness=self.readiness,
            credentials=credentials,
            forget=account.forget,
            handler=self._network_request,
            min_backoff=self.settings.reconnect_min_seconds,
            max_backoff=self.settings.reconnect_max_seconds,
            node=self.cluster.node_id if self.cluster is not None else None,
        )
        contacts = ContactsService(
            sessions, self.clock, account, wait_seconds=self.settings.contacts_wait_seconds
        )
        identities = IdentityService(sessions, self.clock, app_settings.application)
        await identities.load()  # the unacknowledged identity changes block sends (§6.4)
        contacts.link = identities.link = self.link
        self.dispatcher.register(contacts_handlers.operations(contacts, identities))
        self.contacts = contacts
        # The writer's own connection: synchronous on SQLite, held on the servers.
        self.writes = db_engine.writer_transactions(self.settings.db, self.engine)
        self.writes.start()
        # On the servers, sends commit on a connection of their own: a send waits for its
        # own short transaction, not behind a batch of receipts (docs/performance.md). The
        # lanes never touch the same rows: a message's receipts follow its committed send.
        # Receipts and the rest then wait a few milliseconds for company: a commit costs
        # the server more than the rows in it.
        server = self.settings.db.engine != "SQLITE"
        self.writer = BatchWriter(
            sessions, begin=self.writes.begin, linger=RECEIPT_LINGER_SECONDS if server else 0.0
        )
        self.writer.start()
        sends = self.writer
        if server:
            self.send_writes = db_engine.writer_transactions(self.settings.db, self.engine)
            self.send_writes.start()
            sends = self.send_writer = BatchWriter(sessions, begin=self.send_writes.begin)
            sends.start()
        self.outbound = OutboundQueue(self.readiness)
        self.outbound.link = self.link
        self.messages = MessagesService(
            sessions, self.writer, self.clock, self.readiness, account, self.outbound, sends
        )
        self.dispatcher.register(messages_handlers.operations(self.messages))
        contacts.on_valid = self.messages.recipients.learn  # checked wa_ids are known (§7.1)
        self._pushes.update(messages_handlers.network_pushes(self.messages))
        self.messages.preparers.append(identities.check_send)  # 1028 first (spec §6.4)
        # Templates load on every new connection and check template/hsm sends (spec §12, §7.7).
        self.templates = TemplatesService(self.link, self.readiness)
        self.messages.preparers.append(self.templates.prepare)
        self.messages.media = MessageMedia(self.media)
        self.messages.preparers.append(self.messages.media.prepare)
        # Sticker packs (spec §10.7), the webapp's uploaded certificate (§10.6), backups (§9.7).
        stickerpacks = StickerPacksService(sessions, self.clock, self.media)
        stickerpacks.link = self.link
        self.messages.media.pack_sticker = stickerpacks.resolve_sticker
        self.dispatcher.register(stickerpack_handlers.operations(stickerpacks))
        external_cert = ExternalCertificateService(sessions, self.clock)
        self.dispatcher.register(external_cert_handlers.operations(external_cert))
        restored = backup.reloader(account, app_settings, providers, self.webhooks_kick)
        backups = backup.BackupService(sessions, account, restored)
        self.dispatcher.register(backup_handlers.operations(backups))
        # Customer messages: media downloads, identities, errors notifications (spec §11.2).
        inbound = InboundService(
            self.media, identities, app_settings.application, self.settings.api_version
        )
        inbound.link = self.link
        # Errors notifications of downloads failing at GET /v1/media/{id} (spec §11.4).
        inbound.sessions, inbound.listeners = sessions, self.messages.listeners
        self.messages.inbound = inbound
        self.media.fetch_missing = inbound.fetch
        # Webhooks: an outbox row per notification, written with its cause (spec §11.1).
        webhook_ca = WebhookCaService(sessions)  # HTTPS receivers' extra CA (spec §10.6)
        await webhook_ca.load()
        self.dispatcher.register(certificates_handlers.webhook_ca_operations(webhook_ca))
        self.webhooks = WebhookDispatcher(
            sessions,
            self.writer,
            self.clock,
            app_settings.application,
            timeout=self.settings.webhook_timeout_seconds,
            retry_horizon=timedelta(seconds=self.settings.webhook_retry_horizon_seconds),
            tls=webhook_ca.context,
            observer=self.stats,
        )
        webhook_ca.subscribe(self.webhooks.use_tls)
        self._pushes.update(
            webhook_journal.network_pushes(sessions, self.clock, self.webhooks.kick)
        )
        self._pushes.update(inbox_requests.network_pushes(self.media))
        # The network's web inbox hears of every POST (docs/inbox.md).
        self.webhook_notices = webhook_journal.AttemptNotices(self.link)
        self.webhooks.on_attempt = self.webhook_notices.poke
        self.messages.listeners.append(
            Outbox(self.clock, app_settings.application, self.webhooks.kick)
        )
        app_settings.subscribe(lambda _changed: self.webhooks_kick())
        if not app_settings.application().callback_persist:
            async with sessions.begin() as session:  # undelivered callbacks do not survive
                await webhook_repo.clear(session)
        # Every login runs the startup of spec §12 before sends are accepted (startup.py).
        self.startup = Startup(
            self.readiness,
            self.templates,
            self.link,
            self.clock,
            OutboxBacklog(sessions, lambda: app_settings.application().webhooks.url),
            cap_seconds=self.settings.offline_drain_max_seconds,
            min_backoff=self.settings.reconnect_min_seconds,
            max_backoff=self.settings.reconnect_max_seconds,
        )
        self.link.startup = support.startup = self.startup
        self._pushes.update(self.startup.pushes())
        # Stats and the garbage collectors (spec §10.2, §10.5; docs/stats.md).
        self.messages.listeners.append(self.stats.on_stored)
        outbound = self.outbound
        self.dispatcher.register(
            stats_handlers.operations(self.stats, sessions, lambda: len(outbound))
        )
        self.gc = GarbageCollector(
            self.writer,
            self.clock,
            self.settings.media_dir,
            app_settings.application,
            Outbox(self.clock, app_settings.application, self.webhooks.kick),
            message_retention_days=self.settings.message_retention_days,
            media_retention_days=self.settings.media_retention_days,
        )
        self.dispatcher.register(services_handlers.operations(self.gc))
        self.webhook_notices.start()
        await self.messages.recipients.load()  # the wa_ids a ``to`` names (spec §7.1)
        self.outbound.start()
        registered = account.registration is not None
        if self.cluster is not None:
            self._join_cluster(self.cluster, account, users, app_settings, providers, webhook_ca)
            self.readiness.move(Phase.DISCONNECTED if registered else Phase.UNREGISTERED)
            self.cluster.start()
            return
        self.gc.start()
        self.webhooks.start()
        await self.messages.requeue_unsent()
        self.readiness.move(Phase.CONNECTING if registered else Phase.UNREGISTERED)
        self.link.start()

    def _join_cluster(
        self,
        cluster: ClusterNode,
        account: AccountService,
        users: UsersService,
        app_settings: SettingsService,
        providers: MediaProvidersService,
        webhook_ca: WebhookCaService,
    ) -> None:
        """Wire this coreapp's duties to its role in the cluster (coreapp/cluster.py)."""
        link, messages, webhooks, gc = self.link, self.messages, self.webhooks, self.gc
        assert link is not None and messages is not None
        assert webhooks is not None and gc is not None
        self.dispatcher.gate = cluster

        async def reload() -> None:
            was_registered = account.registration is not None
            await users.load()
            await app_settings.load()
            await providers.load()
            await account.load()
            await webhook_ca.load()
            webhooks.use_tls(webhook_ca.context)
            if not was_registered and account.registration is not None:
                # The primary master registered the number: the shard holders log in, the
                # others wait registered.
                if cluster.shard is None:
                    self.readiness.move_if_needed(Phase.DISCONNECTED)
                else:
                    await link.login()

        def become_primary() -> None:
            webhooks.start()  # the primary master delivers the whole outbox
            gc.start()

        async def stop_primary() -> None:
            await webhooks.stop()
            await gc.stop()

        async def takeover(serves: Callable[[str], bool]) -> None:
            # What the last owner of the shard accepted and did not hand over goes now.
            handed = await messages.requeue_unsent(serves)
            if handed:
                log.info("handing over %d accepted message(s) of the shard", handed)

        cluster.reload = reload
        cluster.become_primary = become_primary
        cluster.stop_primary = stop_primary
        cluster.takeover = takeover
        cluster.start_link = link.start
        cluster.stop_link = link.stop
        cluster.control_ready = lambda: (
            self.readiness.ready or (self.readiness.phase is Phase.UNREGISTERED and link.connected)
        )

    def _cluster_health(self) -> Awaitable[dict[str, Any]] | None:
        """The cluster's ``/v1/health`` (None for a single coreapp)."""
        if not self.settings.cluster.enabled:
            return None
        if self.cluster is not None:
            return self.cluster.health()
        role = "secondary_master" if self.settings.cluster.master else "coreapp"
        return _value(
            {self.settings.cluster.node_id: {"gateway_status": "uninitialized", "role": role}}
        )

    def webhooks_kick(self) -> None:
        """Tell the webhook dispatcher to look again (settings changed)."""
        if self.webhooks is not None:
            self.webhooks.kick()

    async def _network_request(self, op: str, args: dict[str, Any]) -> Any:
        """Requests the network pushes to this coreapp (receipts, customer messages)."""
        push = self._pushes.get(op)
        if push is None:
            raise ApiError(1014, f"the coreapp does not handle {op!r} from the network")
        return await push(args)

    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set; returns the process exit code."""
        await self.server.start()
        init = asyncio.create_task(self._initialize(), name="coreapp-init")
        stopper = asyncio.create_task(stop.wait(), name="coreapp-stop")
        await asyncio.wait({init, stopper}, return_when=asyncio.FIRST_COMPLETED)
        code = 0
        if init.done() and init.exception() is not None:
            log.error("coreapp could not start: %s", init.exception())
            code = 1
        elif init.done():
            log.info("coreapp ready for requests (%s)", self.readiness.gateway_status)
            freeze_startup_objects()
            await stopper
        else:
            await stop_task(init)
        await stop_task(stopper)
        await self.shutdown()
        return code

    async def shutdown(self) -> None:
        """Drain requests and release the database."""
        if self.readiness.phase is not Phase.STOPPING:
            self.readiness.move(Phase.STOPPING)
        if self.cluster is not None:
            await self.cluster.stop()  # leaves the cluster: the lease goes at once
        if self.link is not None:
            await self.link.stop()
        await self.server.stop()
        if self.outbound is not None:
            await self.outbound.stop()
        if self.messages is not None and self.messages.media is not None:
            await self.messages.media.close()  # before the writer: they record failures
        if self.gc is not None:
            await self.gc.stop()  # before the writer: it writes through it
        if self.webhooks is not None:
            await self.webhooks.stop()
        if self.webhook_notices is not None:
            await self.webhook_notices.stop()
        for writer in (self.send_writer, self.writer):
            if writer is not None:
                await writer.stop()
        for writes in (self.send_writes, self.writes):
            if writes is not None:
                await writes.stop()
        if self.media is not None:
            await self.media.close()
        if self.startup is not None:
            await self.startup.close()
        if self.templates is not None:
            await self.templates.close()
        if self.contacts is not None:
            await self.contacts.close()  # slow lookups still running in the background
        if self.engine is not None:
            with contextlib.suppress(TimeoutError):  # a dead database server cannot hold us
                async with asyncio.timeout(DISPOSE_SECONDS):
                    await self.engine.dispose()
        log.info("coreapp stopped")


async def _value(value: dict[str, Any]) -> dict[str, Any]:
    return value
