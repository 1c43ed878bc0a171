"""Elasticsearch at the edge: one client, built once, every call through the retry policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import orjson
from elastic_transport import NdjsonSerializer
from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from backends import combined_search
from backends.access import ElasticsearchAccess, elasticsearch
from backends.errors import Permanent, Recoverable
from backends.retry import RetryPolicy

BACKEND = "elasticsearch"
# A keyword longer than Lucene can index (32,766 bytes) makes Elasticsearch refuse the whole
# document; past `ignore_above` the value stays in _source, unindexed.
KEYWORD: dict[str, Any] = {"type": "keyword", "ignore_above": 1024}


class OrjsonNdjsonSerializer(NdjsonSerializer):
    """`_bulk` and `_msearch` bodies through orjson too: the client's own NDJSON serializer uses the
    standard library's json, measured at about 5% of the worker's CPU on the large scenario."""

    def json_dumps(self, data: Any) -> bytes:
        return orjson.dumps(data)

    def json_loads(self, data: bytes) -> Any:
        return orjson.loads(data)


def connect(access: ElasticsearchAccess | str, timeout_s: float = 10.0) -> Elasticsearch:
    # The client's own retries stop short of timeouts; our RetryPolicy owns retrying instead.
    # orjson: enriched documents are ~15 KB each and _msearch answers are large; it parses them faster.
    access = elasticsearch(access)
    return Elasticsearch(access.url, **access.options(), request_timeout=timeout_s, max_retries=0, retry_on_timeout=False, serializers={
        "application/json": OrjsonSerializer(), OrjsonNdjsonSerializer.mimetype: OrjsonNdjsonSerializer()})


class ElasticsearchBackend:
    def __init__(self, client: Elasticsearch, retry: RetryPolicy | None = None):
        self.client = client
        self.retry = retry or RetryPolicy()

    def msearch(self, index: str, searches: Sequence[Mapping[str, Any]], combine: bool = False,
                cache: bool = True) -> list[dict[str, Any]]:
        """Run many searches in one round trip; returns one response per search, in order.

        With `combine`, aggregation-only searches of the same shape are folded into a few combined
        searches (backends/combined_search.py): the answers are the same, the fixed cost per search
        is paid once. That pays for many small searches (a customer's own requests); not for
        searches over many documents each (a whole service's traffic), where checking every document
        against every search's filter costs more than it saves. A combined search that fails is sent
        again as its separate searches, so one bad search never costs its neighbours their answers.

        `cache=False` keeps the answers out of Elasticsearch's shard request cache: searches that
        are never asked twice (one ticket's own window) would evict the ones that are (a service's
        window, shared by the tickets of an outage). The cache is small: 1% of the heap by default.

        A search that fails inside an otherwise good `_msearch` (a missing index, say) comes back
        as {"error": ...}: callers decide what that means for their evidence.
        """
        if not searches:
            return []
        if not combine:
            return self._msearch(index, searches, cache)
        plans = combined_search.plan(searches)
        out: list[dict[str, Any]] = [{}] * len(searches)
        failed: list[int] = []
        for item, response in zip(plans, self._msearch(index, [item.body for item in plans], cache)):
            if "error" in response and len(item.positions) > 1:
                failed += item.positions
                continue
            for position, answer in zip(item.positions, combined_search.answers(item, response)):
                out[position] = answer
        if failed:
            for position, response in zip(failed, self._msearch(index, [searches[p] for p in failed], cache)):
                out[position] = dict(response)
        return out

    def _msearch(self, index: str, searches: Sequence[Mapping[str, Any]], cache: bool = True) -> list[dict[str, Any]]:
        body: list[Mapping[str, Any]] = []
        header = {"index": index, "ignore_unavailable": True, "allow_no_indices": True, **({} if cache else {"request_cache": False})}
        for search in searches:
            body.append(header)
            body.append(search)
        response = self.retry.call(BACKEND, self.client.msearch, searches=body)
        return list(response["responses"])

    def index_documents(self, index: str, documents: Mapping[str, Mapping[str, Any] | bytes]) -> None:
        """Write documents by id (a replay overwrites, never duplicates); all or raise. A document may
        be given as its JSON bytes already, sent as they are."""
        if not documents:
            return
        self.retry.call(BACKEND, self._bulk_index_all, index, documents)

    def _bulk_index_all(self, index: str, documents: Mapping[str, Mapping[str, Any] | bytes]) -> None:
        operations: list[Mapping[str, Any] | bytes] = []
        for doc_id, doc in documents.items():
            operations.append({"index": {"_index": index, "_id": doc_id}})
            operations.append(doc)
        response = self.client.bulk(operations=operations)
        if response["errors"]:
            raise bulk_refusal([item["index"] for item in response["items"] if item["index"].get("error")], len(documents))

    def get_versioned(self, index: str, ids: Sequence[str]) -> dict[str, Versioned]:
        """The documents that exist among `ids`, each with the version to write it back against."""
        if not ids:
            return {}
        return self.retry.call(BACKEND, self._mget_versioned, index, ids)

    def _mget_versioned(self, index: str, ids: Sequence[str]) -> dict[str, Versioned]:
        found: dict[str, Versioned] = {}
        for doc in self.client.mget(index=index, ids=list(ids))["docs"]:
            if doc.get("error"):  # e.g. no such index: a setup error, not "no documents yet"
                raise BulkRejected(f"cannot read {doc['_id']} from {index}: {doc['error'].get('reason', doc['error'])}")
            if doc.get("found"):
                found[doc["_id"]] = Versioned(doc["_source"], doc["_seq_no"], doc["_primary_term"])
        return found

    def write_versioned(
        self, index: str, documents: Mapping[str, Mapping[str, Any]], versions: Mapping[str, Versioned]
    ) -> set[str]:
        """Write documents in one `_bulk`, each only if unchanged since it was read (optimistic concurrency):
        ids in `versions` are overwritten if still at that version, the others created if still absent.

        Returns the ids that lost a race with another writer (409): the caller reads and merges them
        again. Any other refusal raises. A retried request may find its own earlier writes and report
        them as conflicts, so the caller's merge must be idempotent.
        """
        if not documents:
            return set()
        return self.retry.call(BACKEND, self._bulk_write_versioned, index, documents, versions)

    def _bulk_write_versioned(
        self, index: str, documents: Mapping[str, Mapping[str, Any]], versions: Mapping[str, Versioned]
    ) -> set[str]:
        operations: list[Mapping[str, Any]] = []
        for doc_id, doc in documents.items():
            version = versions.get(doc_id)
            if version is None:
                operations.append({"create": {"_index": index, "_id": doc_id}})
            else:
                operations.append({"index": {"_index": index, "_id": doc_id, "if_seq_no": version.seq_no,
                                             "if_primary_term": version.primary_term}})
            operations.append(doc)
        response = self.client.bulk(operations=operations)
        if not response["errors"]:
            return set()
        outcomes = [next(iter(item.values())) for item in response["items"]]
        conflicts = {outcome["_id"] for outcome in outcomes if outcome.get("status") == 409}
        failed = [outcome for outcome in outcomes if outcome.get("error") and outcome["_id"] not in conflicts]
        if failed:
            raise bulk_refusal(failed, len(documents))
        return conflicts

    def search(self, index: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """One search (`query`, `sort`, `size`...); a missing index answers no hits rather than an error."""
        return dict(self.retry.call(
            BACKEND, self.client.search, index=index, ignore_unavailable=True, allow_no_indices=True, **body
        ))

    def get_source(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """A document's `_source` by id, or None when the document (or the index) does not exist."""

        def get() -> dict[str, Any] | None:
            response = self.client.options(ignore_status=404).get(index=index, id=doc_id)
            return dict(response["_source"]) if response.get("found") else None

        return self.retry.call(BACKEND, get)

    def ensure_index(self, index: str, mappings: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> None:
        def create() -> None:
            if not self.client.indices.exists(index=index):
                # 400 = created meanwhile by another worker: fine.
                self.client.options(ignore_status=400).indices.create(
                    index=index, mappings=mappings, settings=settings or {}
                )

        self.retry.call(BACKEND, create)


class Versioned(NamedTuple):
    """A document as read, with the version a conditional write must still find (`if_seq_no`)."""

    source: dict[str, Any]
    seq_no: int
    primary_term: int


def search_text(index: str, searches: Sequence[Mapping[str, Any]]) -> str:
    """The searches as a person re-runs them in Kibana's console: one `GET <index>/_search <body>` per line."""
    return "\n".join(f"GET {index}/_search {orjson.dumps(search).decode()}" for search in searches)


class BulkRejected(Permanent):
    """Documents of a bulk request refused for good (a mapping refusal, a malformed document)."""


class BulkThrottled(Recoverable):
    """Documents of a bulk request refused for now (429, 5xx): the same request may pass later."""


def bulk_refusal(failed: Sequence[Mapping[str, Any]], total: int) -> BulkRejected | BulkThrottled:
    """From a `_bulk` answer's failed items: for now when any refusal was a 429 or a 5xx."""
    message = f"{len(failed)} of {total} documents rejected: {failed[0]['error']}"
    if any(item.get("status", 0) == 429 or item.get("status", 0) >= 500 for item in failed):
        return BulkThrottled(message)
    return BulkRejected(message)
