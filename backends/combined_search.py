"""Many small aggregation searches sent as a few big ones, with the answers split back per search.

Why: the correlators ask one `size: 0` search per ticket (or per service/region window), each with
the same aggregations over its own filter. On a small search Elasticsearch spends most of its time
on fixed costs (parsing, rewriting, setting up the aggregators, reducing, rendering), not on the
documents: measured on the 16-large scenario, 1,000 window searches took 1.5 s one by one and
0.5 s as 20 combined searches of 50, with the same answers.

How: searches with the same aggregations become one search whose query matches any of them, with a
`filters` aggregation holding one bucket per search (`each`) and the shared aggregations under it.
A top-level `filter` aggregation may differ per search (a ticket's own "since it began" or named
resource): it becomes a `filters` aggregation of its own, one bucket per search, each bucket
filtering on the search's query AND its filter. Split, a bucket reads exactly like the search's own
answer: its `doc_count` is the search's hit total and its sub-aggregations are the aggregations.

Only plain `size: 0` searches of `query` + `aggs` are combined; any other search is sent as it is.
Pure functions: `plan` builds the searches to send, `answers` splits what came back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

MAX_PER_SEARCH = 50  # searches folded into one: fewer means more fixed cost, more means less parallelism
COMBINABLE_KEYS = {"size", "query", "aggs", "track_total_hits"}
EACH = "each"


@dataclass
class Combined:
    """One search to send, and which of the original searches (by position) it answers."""

    body: dict[str, Any]
    positions: list[int]
    lifted: list[str] = field(default_factory=list)  # the per-search filter aggregations made their own `filters`


def combinable(search: Mapping[str, Any]) -> bool:
    return (search.get("size") == 0 and "query" in search and bool(search.get("aggs"))
            and set(search) <= COMBINABLE_KEYS and EACH not in search["aggs"])


def shape(search: Mapping[str, Any]) -> bytes:
    """What must be equal for two searches to be combined: every aggregation, except that a
    top-level `filter` aggregation counts only by its name and sub-aggregations."""
    shared = {}
    for name, agg in search["aggs"].items():
        shared[name] = {"filter*": agg.get("aggs", {})} if set(agg) <= {"filter", "aggs"} and "filter" in agg else agg
    return orjson.dumps(shared, option=orjson.OPT_SORT_KEYS)


def plan(searches: Sequence[Mapping[str, Any]], max_per_search: int = MAX_PER_SEARCH) -> list[Combined]:
    """The searches to send instead of `searches`: each either one of them as it is, or a combination."""
    groups: dict[bytes, list[int]] = {}
    out: list[Combined] = []
    for position, search in enumerate(searches):
        if combinable(search):
            groups.setdefault(shape(search), []).append(position)
        else:
            out.append(Combined(dict(search), [position]))
    for positions in groups.values():
        for start in range(0, len(positions), max_per_search):
            chunk = positions[start:start + max_per_search]
            out.append(combine([searches[p] for p in chunk], chunk) if len(chunk) > 1 else Combined(dict(searches[chunk[0]]), chunk))
    return out


def combine(searches: Sequence[Mapping[str, Any]], positions: list[int]) -> Combined:
    first = searches[0]["aggs"]
    # A filter aggregation that is the same in every search stays shared (evaluated once per bucket);
    # one that differs (a ticket's own "since" or resource) gets a bucket per search.
    lifted = [name for name, agg in first.items() if "filter" in agg and set(agg) <= {"filter", "aggs"}
              and any(search["aggs"].get(name) != agg for search in searches[1:])]
    shared = {name: agg for name, agg in first.items() if name not in lifted}
    queries = {str(n): search["query"] for n, search in enumerate(searches)}
    aggs: dict[str, Any] = {EACH: {"filters": {"filters": queries}, **({"aggs": shared} if shared else {})}}
    for name in lifted:
        own = {str(n): {"bool": {"filter": [search["query"], search["aggs"][name]["filter"]]}} for n, search in enumerate(searches)}
        sub = first[name].get("aggs")
        aggs[name] = {"filters": {"filters": own}, **({"aggs": sub} if sub else {})}
    body = {"size": 0, "query": {"bool": {"should": list(queries.values()), "minimum_should_match": 1}}, "aggs": aggs}
    return Combined(body, positions, lifted)


def answers(combined: Combined, response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One answer per original search of `combined`, shaped as that search's own answer."""
    if len(combined.positions) == 1 and not combined.lifted and EACH not in combined.body.get("aggs", {}):
        return [dict(response)]
    if "error" in response or "aggregations" not in response:
        return [dict(response) for _ in combined.positions]  # an error, or no index at all: the same for each
    aggs = response["aggregations"]
    out = []
    for n in range(len(combined.positions)):
        bucket = aggs[EACH]["buckets"][str(n)]
        own = {key: value for key, value in bucket.items() if key != "doc_count"}
        for name in combined.lifted:
            own[name] = aggs[name]["buckets"][str(n)]
        out.append({
            "took": response.get("took"), "timed_out": response.get("timed_out", False), "_shards": response.get("_shards"),
            "hits": {"total": {"value": bucket["doc_count"], "relation": "eq"}, "max_score": None, "hits": []},
            "aggregations": own,
        })
    return out
