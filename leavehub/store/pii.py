"""PII at rest: AES-256-GCM to store a value, HMAC-SHA256 to match on it, plaintext never in the database.

The key comes from ``LEAVEHUB_PII_KEY`` (base64 of 32 random bytes). The encryption key is that key; the
matching key is derived from it with HKDF under its own label, so a leaked hash column does not help
decrypt anything and the two uses never share key material. Each ciphertext is ``version || nonce ||
ciphertext+tag`` and is bound (as AES-GCM associated data) to the column it belongs to, so a value copied
into another column fails to decrypt. Only in the sandbox (``LEAVEHUB_ENV=sandbox``) may a fixed, publicly
known development key stand in; anywhere else a missing or malformed key is a ``ConfigError``.

Example::

    cipher = PiiCipher.from_environment()
    token = cipher.encrypt("123456789", column="employee.ssn")
    cipher.decrypt(token, column="employee.ssn")   # "123456789"
    cipher.match_hash("123-45-6789", kind="ssn") == cipher.match_hash("123456789", kind="ssn")
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schemas.errors import ConfigError

__all__ = ["ENV_NAME", "PII_KEY_ENV", "SANDBOX_DEV_KEY_LABEL", "PiiCipher", "PiiDecryptError", "generate_key"]

PII_KEY_ENV = "LEAVEHUB_PII_KEY"
ENV_NAME = "LEAVEHUB_ENV"
SANDBOX_DEV_KEY_LABEL = b"leavehub-sandbox-DEV-ONLY-pii-key-not-secret"
_FORMAT_VERSION = b"\x01"
_NONCE_BYTES = 12
_NON_DIGITS = re.compile(r"\D")


class PiiDecryptError(ValueError):
    """A stored PII value does not decrypt with this key (wrong key, wrong column, or tampered)."""


def generate_key() -> str:
    """A fresh key for ``LEAVEHUB_PII_KEY`` (base64 of 32 random bytes)."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


class PiiCipher:
    """Encrypts, decrypts and hashes PII values with one deployment key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ConfigError("the PII key must be 32 bytes (AES-256)", key_path=PII_KEY_ENV)
        self._aead = AESGCM(key)
        self._root = key
        self._match_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"leavehub pii match-hash v1"
        ).derive(key)

    def derive_key(self, purpose: str) -> bytes:
        """A 32-byte key for another at-rest use (e.g. ``"quarantine"``), never equal to the PII key."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=f"leavehub {purpose} v1".encode()).derive(self._root)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> PiiCipher:
        """The cipher for this deployment: the key from ``LEAVEHUB_PII_KEY``, or the dev key in the sandbox."""
        env = os.environ if environ is None else environ
        encoded = env.get(PII_KEY_ENV, "").strip()
        if not encoded:
            if env.get(ENV_NAME, "").strip().lower() == "sandbox":
                return cls(hashlib.sha256(SANDBOX_DEV_KEY_LABEL).digest())
            raise ConfigError(
                "no PII key: set LEAVEHUB_PII_KEY to base64 of 32 random bytes "
                "(a development key is used only when LEAVEHUB_ENV=sandbox)",
                key_path=PII_KEY_ENV,
            )
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ConfigError("LEAVEHUB_PII_KEY is not valid base64", key_path=PII_KEY_ENV) from exc
        return cls(key)

    # -- one value ---------------------------------------------------------------------------------------

    def encrypt(self, value: str, *, column: str) -> bytes:
        """``value`` sealed for ``column`` (a fresh random nonce each time: equal values differ on disk)."""
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT_VERSION + nonce + self._aead.encrypt(nonce, value.encode("utf-8"), column.encode())

    def decrypt(self, token: bytes, *, column: str) -> str:
        """The plaintext of ``token``; :class:`PiiDecryptError` (without the value) when it does not open."""
        if not token or token[:1] != _FORMAT_VERSION:
            raise PiiDecryptError(f"unknown PII token format in {column}")
        nonce, sealed = token[1 : 1 + _NONCE_BYTES], token[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, column.encode()).decode("utf-8")
        except InvalidTag as exc:
            raise PiiDecryptError(f"a PII value in {column} does not decrypt with this key") from exc

    def match_hash(self, value: str | date, *, kind: str) -> str:
        """Keyed hash (hex) of the normalised value: equal people match without decrypting anyone."""
        return hmac.new(self._match_key, _normalise(value, kind).encode("utf-8"), hashlib.sha256).hexdigest()

    # -- a column of values --------------------------------------------------------------------------------

    def seal_column(
        self, values: Iterable[str | date | None], *, column: str, kind: str
    ) -> tuple[list[bytes | None], list[str | None]]:
        """Ciphertexts and match hashes for a column; None stays None.

        Example: ``enc, digests = cipher.seal_column(frame["ssn"], column="employee.ssn", kind="ssn")``
        """
        aead_encrypt, urandom, aad = self._aead.encrypt, os.urandom, column.encode()
        match_key, new_hmac, sha256 = self._match_key, hmac.new, hashlib.sha256
        sealed: list[bytes | None] = []
        digests: list[str | None] = []
        for value in values:
            if value is None:
                sealed.append(None)
                digests.append(None)
                continue
            text = value.isoformat() if isinstance(value, date) else str(value)
            nonce = urandom(_NONCE_BYTES)
            sealed.append(_FORMAT_VERSION + nonce + aead_encrypt(nonce, text.encode("utf-8"), aad))
            digests.append(new_hmac(match_key, _normalise(text, kind).encode("utf-8"), sha256).hexdigest())
        return sealed, digests

    def open_column(self, tokens: Iterable[bytes | None], *, column: str) -> list[str | None]:
        """Plaintexts of a column of tokens (used only when a caller asks to decrypt, e.g. an outbound file)."""
        return [None if token is None else self.decrypt(bytes(token), column=column) for token in tokens]


def _normalise(value: str | date, kind: str) -> str:
    """The form two spellings of the same value share: SSN digits only, dates ISO, text case-folded."""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if kind == "ssn":
        return _NON_DIGITS.sub("", text)
    return " ".join(text.casefold().split())
