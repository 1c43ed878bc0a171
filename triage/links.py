"""Links that open, in Kibana Discover and Grafana Explore, the queries a ticket's correlators ran.

Pure functions: they only build URL text, nothing is requested. A support agent clicks them to see
the same log lines and the same error-ratio curve the verdict was based on.

Kibana (7.x and 8.x): `<base>/app/discover#/?_g=(time:(from:'…',to:'…'))&_a=(columns:!(…),
index:'…',query:(language:kuery,query:'…'))`, the app state in rison. `index` is read by Kibana as a
*data view id* (not a pattern): give the data view for the logs the custom id you pass here (by
default the logs index pattern itself, e.g. `access-logs-*`). With an unknown id Kibana 8 says so in
a toast and opens its default data view, still with this query and time range.

Grafana (10+): `<base>/explore?schemaVersion=1&panes={"fc1":{"datasource":uid,"queries":[…],
"range":{"from":"<epoch ms>","to":"<epoch ms>"}}}`, the pane state in JSON. Without a data source
uid, Explore uses the default data source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from string import ascii_uppercase
from typing import Any
from urllib.parse import quote

# The log fields worth a column in Discover (the rest stays one click away in the document), in
# the worker's names: links_for is given the log schema's field for each.
LOG_COLUMNS = ("service", "region", "status", "error_code", "error_message", "request_id", "path")
# A rison string needs no quotes when it is an identifier; anything else is quoted.
RISON_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.~/-]*$")
# Left readable in the URL, as Kibana itself writes it: rison's syntax characters are URL-safe here.
RISON_URL_SAFE = "!'()*,:@$-_.~/"
# Explore pane ids are 3 letters/digits with at least one letter; any valid one will do.
GRAFANA_PANE_ID = "fc1"
# A range selector (`metric[5m]` or `metric{...}[5m]`): where label matchers can be added.
RANGE_SELECTOR = re.compile(r"(?<![\w:])([A-Za-z_:][\w:]*)(\{[^}]*\})?(?=\s*\[)")


def rison(value: Any) -> str:
    """Encode a value in rison (Kibana's URL state format): (k:v), !(list), 'string', !t, !f, !n."""
    if value is None:
        return "!n"
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if RISON_ID.match(value):
            return value
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, dict):
        return "(" + ",".join(f"{key}:{rison(item)}" for key, item in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        return "!(" + ",".join(rison(item) for item in value) + ")"
    raise TypeError(f"rison cannot encode {type(value).__name__}")


def kql_phrase(field: str, value: str) -> str:
    """`field:"value"` in KQL, with quotes and backslashes in the value escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{field}:"{escaped}"'


def kibana_discover_url(
    base_url: str, index_pattern: str, query_kql: str, start: datetime, end: datetime,
    columns: Sequence[str] = (),
) -> str:
    """Discover on data view `index_pattern` (its id, see the module doc) with a KQL query over [start, end)."""
    global_state = {"time": {"from": _iso_ms(start), "to": _iso_ms(end)}}
    app_state: dict[str, Any] = {"columns": list(columns)} if columns else {}
    app_state |= {"index": index_pattern, "query": {"language": "kuery", "query": query_kql}}
    return (f"{base_url.rstrip('/')}/app/discover#/?_g={quote(rison(global_state), safe=RISON_URL_SAFE)}"
            f"&_a={quote(rison(app_state), safe=RISON_URL_SAFE)}")


def grafana_explore_url(
    base_url: str, datasource_uid: str | None, promql_queries: Sequence[str], start: datetime, end: datetime,
) -> str:
    """Explore with one pane running every PromQL query (refId A, B, ...) over [start, end]."""
    source = {"type": "prometheus", "uid": datasource_uid} if datasource_uid else None
    queries = [
        {"refId": _ref_id(index), "expr": expr, **({"datasource": source} if source else {})}
        for index, expr in enumerate(promql_queries)
    ]
    pane: dict[str, Any] = {"datasource": datasource_uid} if datasource_uid else {}
    pane |= {"queries": queries, "range": {"from": str(_epoch_ms(start)), "to": str(_epoch_ms(end))}}
    panes = json.dumps({GRAFANA_PANE_ID: pane}, separators=(",", ":"), ensure_ascii=False)
    return f"{base_url.rstrip('/')}/explore?schemaVersion=1&panes={quote(panes, safe='')}"


def with_labels(promql: str, labels: dict[str, str | None]) -> str:
    """Narrow every range selector of a query to the given labels (None values are skipped).

    The metrics correlators' queries are grouped `by (service, region)` to answer a whole batch at
    once; for one ticket only its own service/region is worth a curve. Only selectors followed by
    `[range]` are touched, which is every selector of those queries; matchers already there stay
    (Prometheus ANDs them).
    """
    matchers = ",".join(f'{name}="{promql_string(value)}"' for name, value in labels.items() if value)
    if not matchers:
        return promql

    def add(match: re.Match[str]) -> str:
        name, braces = match.group(1), match.group(2)
        inside = braces[1:-1].strip() if braces else ""
        return f"{name}{{{inside + ',' if inside else ''}{matchers}}}"

    return RANGE_SELECTOR.sub(add, promql)


def links_for(
    *,
    kibana_url: str | None,
    grafana_url: str | None,
    grafana_datasource: str | None,
    logs_index: str,
    customer_id: str,
    start: datetime,
    end: datetime,
    service: str | None,
    region: str | None,
    promql: Sequence[str],
    kibana_data_view: str | None = None,
    metrics_start: datetime | None = None,
    log_fields: dict[str, str | None] | None = None,
    metric_labels: tuple[str, str] = ("service", "region"),
) -> dict[str, str]:
    """The links of one ticket, only for the tools configured (a base URL of None means no link).

    Kibana shows the customer's log lines in the window (the request-log correlator's filter);
    Grafana plots the PromQL queries narrowed to the ticket's service/region, from `metrics_start`
    (e.g. the baseline's start, to see the rise against it; default `start`) to `end`.
    `log_fields` maps the worker's names ("customer", "status", ...) to the logs' own fields, and
    `metric_labels` are the service and region label names (the schemas of triage/schema.py).
    """
    fields = log_fields or {}
    links: dict[str, str] = {}
    if kibana_url:
        columns = [fields.get(name, name) for name in LOG_COLUMNS]
        links["kibana"] = kibana_discover_url(
            kibana_url, kibana_data_view or logs_index, kql_phrase(fields.get("customer") or "customer_id", customer_id),
            start, end, columns=[column for column in columns if column],
        )
    if grafana_url and promql:
        service_label, region_label = metric_labels
        queries = [with_labels(expr, {service_label: service, region_label: region}) for expr in promql]
        links["grafana"] = grafana_explore_url(grafana_url, grafana_datasource, queries, metrics_start or start, end)
    return links


def _utc(moment: datetime) -> datetime:
    # Windows are aware UTC datetimes; a naive one can only have come from UTC arithmetic too.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _iso_ms(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch_ms(moment: datetime) -> int:
    return round(_utc(moment).timestamp() * 1000)


def _ref_id(index: int) -> str:
    return ascii_uppercase[index] if index < len(ascii_uppercase) else f"Q{index}"


def promql_string(value: str) -> str:
    """The inside of a double-quoted PromQL string that reads back as `value`: backslash and quote
    escaped, and every character outside printable ASCII as a \\u escape (a newline would end the
    string; a lone surrogate is no UTF-8 at all and becomes U+FFFD)."""
    out = []
    for char in value:
        if char in '\\"':
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        elif 0xD800 <= ord(char) <= 0xDFFF:
            out.append("\\ufffd")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)
