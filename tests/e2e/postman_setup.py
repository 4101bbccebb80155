"""Making the Postman collection's values real on a fresh emulator (docs/postman.md).

What a user does by hand before running the collection: log in as admin the first time, point
the webhooks at a receiver, register the number with a certificate from the network, let a
customer write (its message id arrives by webhook), upload media, and prepare the files the
collection's file bodies need. The result is a substitution map for
``conformance/run-postman.js``.
"""

from __future__ import annotations

import datetime
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image

from tests.conftest import Processes
from tests.messaging import until
from tests.receiver import Receiver
from tests.stacks import ADMIN_PASSWORD, bearer

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
VALUES_FILE = CONFORMANCE / "postman-values.json"
SHARED = json.loads(VALUES_FILE.read_text())
CC = SHARED["placeholders"]["<Country Code>"]
PHONE = SHARED["placeholders"]["<Phone Number>"]
WA_ID = CC + PHONE
CUSTOMER = SHARED["environment"]["Recipient-WA-ID"]
VNAME = "Lucky Shrub"
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(256)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def newman_ready() -> str | None:
    """Install newman from the lock file when missing; why it cannot run, or ``None``."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed to run newman"
    installed = CONFORMANCE / "node_modules/.package-lock.json"
    lock = CONFORMANCE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CONFORMANCE,
            check=True,
            timeout=300,
        )
    return None


async def admin_token(http: httpx.AsyncClient) -> str:
    """The first admin login, which must change the default password (spec §3.3)."""
    response = await http.post(
        "/v1/users/login", auth=("admin", "secret"), json={"new_password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["users"][0]["token"]
    return token


async def ok(response: httpx.Response, *statuses: int) -> Any:
    """The JSON body of a response that must have one of ``statuses`` (default 200)."""
    assert response.status_code in (statuses or (200,)), response.text
    return response.json() if response.content else None


async def register(http: httpx.AsyncClient, control: httpx.AsyncClient, token: str) -> str:
    """Register the number with a certificate of the network; returns the certificate."""
    cert_body = {"cc": CC, "phone_number": PHONE, "vname": VNAME}
    cert: str = (await ok(await control.post("/certificates", json=cert_body)))["cert"]
    request = {"cc": CC, "phone_number": PHONE, "method": "sms", "cert": cert}
    await ok(await http.post("/v1/account", json=request, headers=bearer(token)), 202)
    code = (await ok(await control.get(f"/accounts/{WA_ID}/code")))["code"]
    verify = await http.post("/v1/account/verify", json={"code": code}, headers=bearer(token))
    await ok(verify, 201)
    await until(lambda: gateway(http, token), "connected", timeout=20.0)
    # Logged in, the coreapp still loads templates and drains offline messages; it takes
    # sends once /v1/support shows the socket "UP" (spec §12).
    await until(lambda: socket_conn(http, token), "UP", timeout=20.0)
    return cert


async def socket_conn(http: httpx.AsyncClient, token: str) -> str:
    """The coreapp's connection as ``/v1/support`` shows it."""
    body = await ok(await http.get("/v1/support", headers=bearer(token)))
    state: str = body["support"]["socket_conn"]
    return state


async def gateway(http: httpx.AsyncClient, token: str) -> str:
    """The coreapp's ``gateway_status``."""
    body = await ok(await http.get("/v1/health", headers=bearer(token)))
    status: str = body["health"]["gateway_status"]
    return status


async def inbound_message_id(control: httpx.AsyncClient, receiver: Receiver) -> str:
    """The customer writes; the id of the message as the webhook announced it."""
    sent = await control.post(
        f"/customers/{CUSTOMER}/messages", json={"type": "text", "text": {"body": "Hi!"}}
    )
    network_id = (await ok(sent))["id"]

    async def announced() -> list[str]:
        return [m["id"] for body in receiver.bodies for m in body.get("messages", [])]

    await until(announced, [network_id], timeout=20.0)
    return str(network_id)


async def upload(http: httpx.AsyncClient, token: str, content: bytes, mime: str) -> str:
    """Upload media; its id."""
    headers = {**bearer(token), "Content-Type": mime}
    body = await ok(await http.post("/v1/media", content=content, headers=headers), 200, 201)
    media_id: str = body["media"][0]["id"]
    return media_id


def image(kind: str, side: int) -> bytes:
    """A square picture in ``kind`` (``JPEG``, ``WEBP``)."""
    buffer = io.BytesIO()
    mode = "RGBA" if kind == "WEBP" else "RGB"
    Image.new(mode, (side, side), (30, 140, 90, 255)[: len(mode)]).save(buffer, kind)
    return buffer.getvalue()


def certificates(folder: Path) -> tuple[Path, Path]:
    """A CA certificate (for the webhook CA) and a bundle of a server key, its certificate
    and that CA (for ``POST /v1/certificates/external``), as PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Postman run CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    ca_file, bundle_file = folder / "webhook-ca.pem", folder / "external-bundle.pem"
    ca_file.write_bytes(ca_pem)
    bundle_file.write_bytes(key_pem + server.public_bytes(serialization.Encoding.PEM) + ca_pem)
    return ca_file, bundle_file


async def first_party_pack(http: httpx.AsyncClient, token: str) -> str:
    """The id of WhatsApp's first sticker pack (a made-up id while the node answers 501)."""
    response = await http.get("/v1/stickerpacks?namespace=whatsapp", headers=bearer(token))
    if response.status_code == 501:
        return "first-party-pack"
    packs = (await ok(response))["stickerpacks"]
    return str(packs[0]["id"])


async def make_values_real(running: Processes, receiver: Receiver, folder: Path) -> dict[str, Any]:
    """Prepare the emulator and return the run's own substitution map."""
    async with (
        httpx.AsyncClient(base_url=running.base_url, verify=False, timeout=30) as http,
        httpx.AsyncClient(base_url=running.control_url, timeout=30) as control,
    ):
        token = await admin_token(http)
        webhooks = {"webhooks": {"url": receiver.url}}
        await ok(await http.patch("/v1/settings/application", json=webhooks, headers=bearer(token)))
        cert = await register(http, control, token)
        message_id = await inbound_message_id(control, receiver)
        identity = (await ok(await control.get(f"/customers/{CUSTOMER}")))["identity"]
        photo = image("JPEG", 640)
        media_id = await upload(http, token, photo, "image/jpeg")
        sticker_id = await upload(http, token, image("WEBP", 512), "image/webp")
        # "<Media Id, from Media API>" stands for media of the message's own type.
        by_type = {
            "Send-Audio-Message-By-ID": await upload(http, token, b"ID3\x04" * 64, "audio/mpeg"),
            "Send-Video-Message-By-ID": await upload(http, token, MP4, "video/mp4"),
            "Send-Doc-Message-By-ID": await upload(http, token, PDF, "application/pdf"),
        }
        first_party = await first_party_pack(http, token)
    (folder / "photo.jpg").write_bytes(photo)
    ca_file, bundle_file = certificates(folder)
    return {
        "environment": {
            "URL": running.base_url,
            "AdminPassword": ADMIN_PASSWORD,
            "AdminAuthToken": token,
            "Test-Media-Id": media_id,
            "Test-Sticker-Media-Id": sticker_id,
            # The first sticker of WhatsApp's first pack. The runner takes the third-party
            # pack's id (and a new sticker's index) from the answers that create them.
            "Test-1P-Stickerpack-Id": first_party,
            "Test-Sticker-Index": "0",
        },
        "placeholders": {
            "<New Admin Password>": ADMIN_PASSWORD,
            "<Webhook URL, https>": receiver.url,
            "<Valid Cert from Business Manager>": cert,
            # Already registered (above): no code is pending, see EXPECTED_FAILURES.
            "<Registration Code Received via SMS/Voice>": "123456",
            "<Message ID from Webhook>": message_id,
            "<identity hash>": identity,
            "<Media Id, from Media API>": media_id,
            "<Sticker Media ID>": sticker_id,
            "<Sticker Image Media Id>": sticker_id,
            "<Valid Image Media Id": sticker_id,
        },
        "requests": {
            name: {"<Media Id, from Media API>": media} for name, media in by_type.items()
        },
        "files": {
            "Upload-Media": str(folder / "photo.jpg"),
            "Set-Profile-Photo": str(folder / "photo.jpg"),
            "Upload-Certificate": str(bundle_file),
            "Upload Webhook CA Certificate": str(ca_file),
        },
    }
