"""How to reach each backend: its address, TLS and credentials, as the clients take them.

Built from the settings (worker/config.py: `kafka_access`, `elasticsearch_access`, `http_access`);
the secrets are read there, from the setting or from the file a `*_file` setting names. The
dataclasses keep secrets out of their repr, so a logged or printed access never shows one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class KafkaAccess:
    bootstrap: str
    security_protocol: str = "PLAINTEXT"  # SSL, SASL_PLAINTEXT, SASL_SSL
    sasl_mechanism: str | None = None  # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    cert_file: str | None = None  # a client certificate (mutual TLS)
    key_file: str | None = None
    key_password: str | None = field(default=None, repr=False)

    def options(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's consumer, producer and admin client."""
        out: dict[str, Any] = {"bootstrap_servers": self.bootstrap, "security_protocol": self.security_protocol}
        if self.security_protocol.startswith("SASL"):
            out |= {"sasl_mechanism": self.sasl_mechanism or "PLAIN",
                    "sasl_plain_username": self.username, "sasl_plain_password": self.password}
        if self.security_protocol.endswith("SSL"):
            out |= {"ssl_check_hostname": True, "ssl_cafile": self.ca_file, "ssl_certfile": self.cert_file,
                    "ssl_keyfile": self.key_file, "ssl_password": self.key_password}
        return {key: value for key, value in out.items() if value is not None}


def kafka(access: KafkaAccess | str) -> KafkaAccess:
    return access if isinstance(access, KafkaAccess) else KafkaAccess(access)


@dataclass(frozen=True)
class ElasticsearchAccess:
    url: str
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    fingerprint: str | None = None  # the server certificate's SHA-256, instead of a CA file

    def options(self) -> dict[str, Any]:
        """Keyword arguments for the Elasticsearch client (besides the URL)."""
        out: dict[str, Any] = {}
        if self.api_key:
            out["api_key"] = self.api_key
        elif self.username:
            out["basic_auth"] = (self.username, self.password or "")
        if self.ca_file:
            out["ca_certs"] = self.ca_file
        if self.fingerprint:
            out["ssl_assert_fingerprint"] = self.fingerprint
        return out


def elasticsearch(access: ElasticsearchAccess | str) -> ElasticsearchAccess:
    return access if isinstance(access, ElasticsearchAccess) else ElasticsearchAccess(access)


@dataclass(frozen=True)
class HttpAccess:
    """Prometheus or Alertmanager behind a proxy that wants a bearer token or basic auth."""

    url: str
    bearer_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None

    def client(self, timeout_s: float) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.bearer_token}"} if self.bearer_token else {}
        auth = (self.username, self.password or "") if self.username and not self.bearer_token else None
        return httpx.Client(base_url=self.url.rstrip("/"), timeout=timeout_s, headers=headers, auth=auth,
                            verify=self.ca_file or True)


def http(access: HttpAccess | str) -> HttpAccess:
    return access if isinstance(access, HttpAccess) else HttpAccess(access)
