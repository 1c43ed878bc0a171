import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from triage.links import (
    LOG_COLUMNS, grafana_explore_url, kibana_discover_url, kql_phrase, links_for, promql_string, rison, with_labels,
)

START = datetime(2026, 11, 25, 14, 8, tzinfo=timezone.utc)
END = datetime(2026, 11, 25, 14, 40, tzinfo=timezone.utc)
# A grouped 5xx-ratio query, as the metrics correlators write them.
RATIO = ('(sum by (service, region) (increase(http_requests_total{code=~"5.."}[1920s]))'
         " or sum by (service, region) (increase(http_requests_total[1920s])) * 0)"
         " / sum by (service, region) (increase(http_requests_total[1920s]))")


def kibana_state(url: str) -> dict[str, str]:
    """The rison texts of `_g` and `_a`, URL-decoded, from the hash of a Discover URL."""
    fragment = urlsplit(url).fragment
    assert fragment.startswith("/?")
    return {key: values[0] for key, values in parse_qs(fragment[2:], keep_blank_values=True).items()}


def grafana_panes(url: str) -> dict:
    query = parse_qs(urlsplit(url).query)
    assert query["schemaVersion"] == ["1"]
    return json.loads(query["panes"][0])


@pytest.mark.parametrize(("value", "encoded"), [
    ("kuery", "kuery"),
    ("access-logs-*", "'access-logs-*'"),
    ("it's!", "'it!'s!!'"),
    ("", "''"),
    ("2026-11-25T14:08:00.000Z", "'2026-11-25T14:08:00.000Z'"),
    ({"a": [1, True, None], "b": {"c": "x y"}}, "(a:!(1,!t,!n),b:(c:'x y'))"),
])
def test_rison(value, encoded):
    assert rison(value) == encoded


def test_kibana_url_carries_time_data_view_and_query():
    url = kibana_discover_url("http://kibana:5601/", "access-logs-*", 'customer_id:"cust-1"', START, END)
    assert url.startswith("http://kibana:5601/app/discover#/?_g=")
    state = kibana_state(url)
    assert state["_g"] == "(time:(from:'2026-11-25T14:08:00.000Z',to:'2026-11-25T14:40:00.000Z'))"
    assert state["_a"] == "(index:'access-logs-*',query:(language:kuery,query:'customer_id:\"cust-1\"'))"


def test_kibana_query_quotes_and_url_specials_survive():
    query = kql_phrase("customer_id", "o'neil! & co #1 + \"x\"")
    assert query == 'customer_id:"o\'neil! & co #1 + \\"x\\""'
    state = kibana_state(kibana_discover_url("http://k", "logs", query, START, END))
    assert state["_a"] == "(index:logs,query:(language:kuery,query:'customer_id:\"o!'neil!! & co #1 + \\\"x\\\"\"'))"


def test_kibana_times_are_utc_whatever_the_offset():
    local = START.astimezone(timezone(timedelta(hours=8)))
    state = kibana_state(kibana_discover_url("http://k", "logs", "x", local, END))
    assert "from:'2026-11-25T14:08:00.000Z'" in state["_g"]


def test_grafana_url_is_an_explore_pane_with_every_query():
    url = grafana_explore_url("http://grafana:3000/", "prom-uid", ["up", 'rate(x{a="b"}[5m])'], START, END)
    assert url.startswith("http://grafana:3000/explore?")
    source = {"type": "prometheus", "uid": "prom-uid"}
    assert grafana_panes(url) == {"fc1": {
        "datasource": "prom-uid",
        "queries": [{"refId": "A", "expr": "up", "datasource": source},
                    {"refId": "B", "expr": 'rate(x{a="b"}[5m])', "datasource": source}],
        "range": {"from": str(int(START.timestamp() * 1000)), "to": str(int(END.timestamp() * 1000))},
    }}


def test_grafana_without_data_source_uses_grafanas_default():
    pane = grafana_panes(grafana_explore_url("http://g", None, ["up"], START, END))["fc1"]
    assert "datasource" not in pane
    assert pane["queries"] == [{"refId": "A", "expr": "up"}]


def test_with_labels_narrows_every_range_selector():
    narrowed = with_labels(RATIO, {"service": "cdn", "region": "cn-north-1"})
    assert narrowed == (
        '(sum by (service, region) (increase(http_requests_total{code=~"5..",service="cdn",region="cn-north-1"}[1920s]))'
        ' or sum by (service, region) (increase(http_requests_total{service="cdn",region="cn-north-1"}[1920s])) * 0)'
        ' / sum by (service, region) (increase(http_requests_total{service="cdn",region="cn-north-1"}[1920s]))'
    )


def test_with_labels_keeps_existing_matchers_and_offsets():
    batch = 'sum by (service, region) (increase(http_requests_total{code=~"5..",service=~"cdn|oss",region=~"r1"}[1m] offset 1d))'
    assert with_labels(batch, {"service": "cdn", "region": "r1"}) == (
        'sum by (service, region) (increase(http_requests_total{code=~"5..",service=~"cdn|oss",region=~"r1",'
        'service="cdn",region="r1"}[1m] offset 1d))')


def test_with_labels_escapes_values_and_skips_unknown_ones():
    assert with_labels("rate(x[5m])", {"service": 'a"b', "region": None}) == 'rate(x{service="a\\"b"}[5m])'
    assert with_labels(RATIO, {"service": None, "region": None}) == RATIO


def common(**overrides):
    arguments = dict(kibana_url="http://k", grafana_url="http://g", grafana_datasource="prom", logs_index="access-logs-*",
                     customer_id="cust-1", start=START, end=END, service="cdn", region="cn-north-1", promql=[RATIO])
    return {**arguments, **overrides}


def test_links_for_builds_both_when_configured():
    links = links_for(**common(metrics_start=START - timedelta(hours=1)))
    assert set(links) == {"kibana", "grafana"}
    state = kibana_state(links["kibana"])
    assert f"columns:!({','.join(LOG_COLUMNS)})" in state["_a"]
    assert "index:'access-logs-*'" in state["_a"] and "query:'customer_id:\"cust-1\"'" in state["_a"]
    pane = grafana_panes(links["grafana"])["fc1"]
    assert 'service="cdn",region="cn-north-1"' in pane["queries"][0]["expr"]
    assert pane["range"]["from"] == str(int((START - timedelta(hours=1)).timestamp() * 1000))


def test_links_for_leaves_out_what_is_not_configured():
    assert set(links_for(**common(kibana_url=None))) == {"grafana"}
    assert set(links_for(**common(grafana_url=None))) == {"kibana"}
    assert set(links_for(**common(promql=[]))) == {"kibana"}
    assert links_for(**common(kibana_url=None, grafana_url=None)) == {}


def test_links_for_uses_a_named_data_view():
    state = kibana_state(links_for(**common(kibana_data_view="logs-view"))["kibana"])
    assert "index:logs-view" in state["_a"]


@pytest.mark.parametrize(("value", "inside"), [
    ("cn-east-1", "cn-east-1"),
    ('a"b\\c', 'a\\"b\\\\c'),
    ("cn-east\n-1", "cn-east\\u000a-1"),  # a raw newline would end the string: "unterminated quoted string"
    ("fra\ufffd1", "fra\\ufffd1"),
    ("bad\udcff", "bad\\ufffd"),  # a lone surrogate is no UTF-8: "invalid UTF-8 rune"
    ("华东", "\\u534e\\u4e1c"),
])
def test_a_promql_string_holds_any_value(value, inside):
    assert promql_string(value) == inside
