"""Elasticsearch at the edge: one client, built once, every call through the retry policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from elasticsearch import Elasticsearch

from backends.retry import RetryPolicy

BACKEND = "elasticsearch"


def connect(url: str, timeout_s: float = 10.0) -> Elasticsearch:
    # The client's own retries stop short of timeouts; our RetryPolicy owns retrying instead.
    return Elasticsearch(url, request_timeout=timeout_s, max_retries=0, retry_on_timeout=False)


class ElasticsearchBackend:
    def __init__(self, client: Elasticsearch, retry: RetryPolicy | None = None):
        self.client = client
        self.retry = retry or RetryPolicy()

    def msearch(self, index: str, searches: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Run many searches in one round trip; returns one response per search, in order.

        A search that fails inside an otherwise good `_msearch` (a missing index, say) comes back
        as {"error": ...}: callers decide what that means for their evidence.
        """
        if not searches:
            return []
        body: list[Mapping[str, Any]] = []
        for search in searches:
            body.append({"index": index, "ignore_unavailable": True, "allow_no_indices": True})
            body.append(search)
        response = self.retry.call(BACKEND, self.client.msearch, searches=body)
        return list(response["responses"])

    def index_documents(self, index: str, documents: Mapping[str, Mapping[str, Any]]) -> None:
        """Write documents by id (a replay overwrites, never duplicates); all or raise."""
        if not documents:
            return
        self.retry.call(BACKEND, self._bulk_index_all, index, documents)

    def _bulk_index_all(self, index: str, documents: Mapping[str, Mapping[str, Any]]) -> None:
        operations: list[Mapping[str, Any]] = []
        for doc_id, doc in documents.items():
            operations.append({"index": {"_index": index, "_id": doc_id}})
            operations.append(doc)
        response = self.client.bulk(operations=operations)
        if response["errors"]:
            failed = [item["index"] for item in response["items"] if item["index"].get("error")]
            statuses = {item.get("status", 0) for item in failed}
            error = BulkRejected(f"{len(failed)} of {len(documents)} documents rejected: {failed[0]['error']}")
            error.retriable = any(status == 429 or status >= 500 for status in statuses)
            raise error

    def ensure_index(self, index: str, mappings: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> None:
        def create() -> None:
            if not self.client.indices.exists(index=index):
                # 400 = created meanwhile by another worker: fine.
                self.client.options(ignore_status=400).indices.create(
                    index=index, mappings=mappings, settings=settings or {}
                )

        self.retry.call(BACKEND, create)


class BulkRejected(Exception):
    """Some documents of a bulk request were refused; retriable when the refusals were 429/5xx."""

    retriable = False
