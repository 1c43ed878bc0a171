"""Combining searches: what is sent, and how the answer is split back into each search's own answer."""

from backends.combined_search import EACH, answers, plan

AGGS = {"codes": {"terms": {"field": "error_code"}}, "failures": {"filter": {"range": {"status": {"gte": 400}}}}}


def search(customer: str, recent: str | None = None, aggs=AGGS) -> dict:
    out = {"size": 0, "track_total_hits": True, "query": {"term": {"customer_id": customer}}, "aggs": dict(aggs)}
    if recent:
        out["aggs"]["recent"] = {"filter": {"range": {"@timestamp": {"gte": recent}}}, "aggs": {"p99": {"max": {"field": "latency_ms"}}}}
    return out


def test_searches_of_one_shape_become_one_with_a_bucket_each():
    [combined] = plan([search("a", "10:00"), search("b", "10:05")])
    assert combined.positions == [0, 1]
    assert combined.body["query"] == {"bool": {"should": [{"term": {"customer_id": "a"}}, {"term": {"customer_id": "b"}}],
                                               "minimum_should_match": 1}}
    each = combined.body["aggs"][EACH]
    assert each["filters"]["filters"] == {"0": {"term": {"customer_id": "a"}}, "1": {"term": {"customer_id": "b"}}}
    assert each["aggs"] == AGGS  # the same in every search: evaluated in each search's bucket
    # a filter aggregation that differs is evaluated per search: the search's query AND its own filter
    recent = combined.body["aggs"]["recent"]
    assert recent["filters"]["filters"]["1"] == {"bool": {"filter": [{"term": {"customer_id": "b"}}, {"range": {"@timestamp": {"gte": "10:05"}}}]}}
    assert recent["aggs"] == {"p99": {"max": {"field": "latency_ms"}}}
    assert combined.lifted == ["recent"]


def test_other_shapes_and_other_searches_are_kept_apart():
    lookup = {"size": 2, "query": {"terms": {"request_id": ["r1", "r2"]}}}
    other = search("c", aggs={"codes": {"terms": {"field": "status"}}})
    plans = plan([search("a"), lookup, search("b"), other, search("d", "10:00")])
    by_positions = {tuple(item.positions): item for item in plans}
    assert set(by_positions) == {(0, 2), (1,), (3,), (4,)}
    assert by_positions[(1,)].body == lookup and by_positions[(3,)].body == other


def test_at_most_max_per_search_in_one():
    plans = plan([search(str(n)) for n in range(7)], max_per_search=3)
    assert [item.positions for item in plans] == [[0, 1, 2], [3, 4, 5], [6]]


def test_the_answer_splits_into_each_search_s_own():
    combined = plan([search("a", "10:00"), search("b", "10:05")])[0]
    response = {"took": 4, "timed_out": False, "_shards": {"total": 1}, "hits": {"total": {"value": 12}}, "aggregations": {
        EACH: {"buckets": {"0": {"doc_count": 10, "codes": {"buckets": [{"key": "X", "doc_count": 3}]}, "failures": {"doc_count": 3}},
                           "1": {"doc_count": 2, "codes": {"buckets": []}, "failures": {"doc_count": 0}}}},
        "recent": {"buckets": {"0": {"doc_count": 4, "p99": {"value": 120.0}}, "1": {"doc_count": 1, "p99": {"value": 9.0}}}},
    }}
    first, second = answers(combined, response)
    assert first["hits"]["total"]["value"] == 10 and second["hits"]["total"]["value"] == 2
    assert first["aggregations"] == {"codes": {"buckets": [{"key": "X", "doc_count": 3}]}, "failures": {"doc_count": 3},
                                     "recent": {"doc_count": 4, "p99": {"value": 120.0}}}
    assert second["_shards"] == {"total": 1}


def test_an_error_or_a_missing_index_is_each_search_s_answer():
    combined = plan([search("a"), search("b")])[0]
    failed = {"error": {"type": "too_many_buckets_exception"}, "status": 400}
    assert answers(combined, failed) == [failed, failed]
    empty = {"took": 0, "_shards": {"total": 0}, "hits": {"total": {"value": 0}, "hits": []}}
    assert answers(combined, empty) == [empty, empty]


def test_a_search_alone_is_sent_and_answered_as_it_is():
    [alone] = plan([search("a")])
    assert alone.body == search("a")
    assert answers(alone, {"hits": {"total": {"value": 1}}}) == [{"hits": {"total": {"value": 1}}}]
