"""Ticket text of the scenario lab: what a customer writes after hitting a problem.

Customers write in their own words, usually blame the platform (even for their own mistakes),
rarely quote the error code exactly, sometimes only the HTTP status, sometimes nothing. They say
when it began precisely, relatively or vaguely, in their local time (UTC+8), and never falsely.

Pure and deterministic: everything random is drawn from the `rng` passed in, in a fixed order.
The wording is data (the dicts below); the functions only pick and fill it.

Template fields: {target}/{Target} what fails, in customer words (names the resource when given,
sometimes the service and region); {ops}/{Ops} the bare operation ("uploads", "上传文件");
{svc}/{Svc} the service in customer words; {err} the error as mentioned (status, code, both, or
neither); {since}/{Since} and {when}/{When} the time hint as "since 10:05" / "at 10:05" shapes;
{region}; {missing} (not_found: what seems lost); {symptom}, {nth}, {n} (follow-ups).
A capitalised field name gives the value with its first letter upper-cased.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus

from lab.spec import CUSTOMER_CLOCK

LANGUAGES = ("zh", "en")

# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------

KIND_GROUPS: dict[str, str] = {
    "regional_outage": "platform",
    "node_failure": "platform",
    "dependency_failure": "platform",
    "gray_failure": "gray",
    "latency_degradation": "latency",
    "expired_token": "auth",
    "signature_mismatch": "auth",
    "access_denied": "auth",
    "bucket_not_found": "not_found",
    "object_not_found": "not_found",
    "wrong_region": "wrong_region",
    "quota_exceeded": "quota",
    "malformed_request": "malformed",
    "payload_too_large": "malformed",
    "client_bug": "bug",
    "client_network": "network",
}

SUBJECTS: dict[str, dict[str, list[str]]] = {
    "platform": {
        "en": ["{Ops} failing with {err}", "URGENT: {svc} returning {err}", "Lots of failed {ops}",
               "Errors on {svc}, production impacted", "Is {svc} down?"],
        "zh": ["{ops}一直失败，返回{err}", "{svc}大量报错", "紧急：{ops}报{err}", "{svc}是不是挂了？"],
    },
    "gray": {
        "en": ["Intermittent {err} on {ops}", "Random failures on {svc}", "Occasional failed {ops}"],
        "zh": ["{ops}偶尔失败", "{svc}间歇性报错", "偶发{err}"],
    },
    "latency": {
        "en": ["{Ops} very slow", "High latency on {svc}", "Slow responses and timeouts", "Everything on {svc} extremely slow"],
        "zh": ["{ops}非常慢", "{svc}响应很慢", "请求延迟很高", "{svc}变慢了"],
    },
    "auth": {
        "en": ["{Ops} rejected with {err}", "All requests return {err}", "Is your auth service down?",
               "Suddenly no access to {svc}"],
        "zh": ["接口全部返回{err}", "{ops}报{err}", "是不是你们鉴权服务出问题了？", "{svc}突然没权限了"],
    },
    "not_found": {
        "en": ["{err} on {ops}", "Data lost?", "{Missing} gone from {svc}?", "Files missing"],
        "zh": ["{ops}报{err}", "数据丢了？", "{missing}找不到了", "{svc}数据不见了"],
    },
    "wrong_region": {
        "en": ["{Ops} failing with {err}", "Strange redirect from {svc}", "Endpoint not working anymore"],
        "zh": ["{ops}返回{err}", "访问{svc}被重定向", "endpoint突然不能用了"],
    },
    "quota": {
        "en": ["Throttled by {svc}", "{Ops} being throttled", "Rate limited for no reason"],
        "zh": ["{svc}限流", "{ops}被限流", "大量{err}"],
    },
    "malformed": {
        "en": ["{Ops} rejected with {err}", "API returns bad request", "Bad request errors from {svc} after your update?"],
        "zh": ["{ops}返回{err}", "接口报参数错误", "{svc}接口是不是改了？"],
    },
    "bug": {
        "en": ["{Ops} broken since this week", "Our app shows errors with {svc}", "Something changed in {svc}?"],
        "zh": ["{ops}出问题了", "我们的应用调用{svc}报错", "{svc}是不是改了什么？"],
    },
    "network": {
        "en": ["{Ops} time out", "Connection to {svc} hangs", "Cannot connect to {svc}"],
        "zh": ["{ops}超时", "连接{svc}一直卡住", "{svc}连不上"],
    },
}

BODIES: dict[str, dict[str, list[str]]] = {
    "platform": {
        "en": [
            "{Target} keep failing with {err} {since}.",
            "{Since}, {target} fail intermittently with {err}, retries sometimes work.",
            "{Target} started returning {err} {when} and some of them just time out.",
            "We see a lot of failed {target} {since}, mostly {err}.",
            "{When}, {target} suddenly began failing with {err}; we did not deploy anything.",
        ],
        "zh": [
            "{since}，{target}频繁返回{err}，请尽快处理！",
            "{when}开始{target}大量失败，报{err}，重试也不行。",
            "{target}{since}一直报{err}，影响线上业务。",
            "{since}，{target}时好时坏，经常超时或者返回{err}。",
        ],
    },
    "gray": {
        "en": [
            "{Since}, a small share of our {target} fail with {err}, most succeed.",
            "Every now and then {target} fail with {err} {since}, retrying usually works.",
            "We get random {err} on {target} {since}, not every request, maybe 1 in 100.",
            "Intermittent failures on {target} {since}, hard to reproduce, the error is {err}.",
        ],
        "zh": [
            "{since}，{target}偶尔会报{err}，大部分请求是正常的。",
            "{target}{since}间歇性失败，返回{err}，重试一般能成功。",
            "{since}，{target}时不时报{err}，大概一百次里有一次，很难复现。",
        ],
    },
    "latency": {
        "en": [
            "{Target} have been very slow {since}, some requests take several seconds.",
            "{Since}, {target} take much longer than usual and a few time out on our side.",
            "Latency of {target} went up a lot {when}, nothing changed in our code.",
            "{Target} are extremely slow {since}, no errors, just slow.",
        ],
        "zh": [
            "{since}，{target}特别慢，有的请求要好几秒。",
            "{target}{since}延迟明显变高，部分请求在我们这边超时了。",
            "{when}开始{target}变得很慢，没有报错，就是慢。",
        ],
    },
    "auth": {
        "en": [
            "{Since}, all our {target} are rejected with {err}, we did not change any credentials.",
            "{Target} return {err} {since}, is your authentication broken?",
            "We suddenly get {err} on {target} {when}, it worked fine yesterday.",
            "Our app can't access anything anymore: {target} fail with {err} {since}.",
        ],
        "zh": [
            "{since}，{target}全部返回{err}，我们没有改过任何配置，是不是你们鉴权服务出问题了？",
            "{target}{since}一直报{err}，账号和密钥都没动过。",
            "{when}开始{target}突然报{err}，昨天还是好的。",
        ],
    },
    "not_found": {
        "en": [
            "{Target} return {err} {since}, did you lose {missing}?",
            "{Since}, {target} fail with {err}, but {missing} should be there, it worked yesterday.",
            "We get {err} for {target} {when}, nobody on our side deleted anything.",
        ],
        "zh": [
            "{target}{since}一直返回{err}，昨天还好好的，你们是不是把{missing}弄丢了？",
            "{since}，{target}报{err}，我们没有删过任何东西。",
            "{when}开始{target}提示{err}，我们根本没删过{missing}，请帮忙看看。",
        ],
    },
    "wrong_region": {
        "en": [
            "{Since}, {target} get {err} with some message about the endpoint, we use {region} as always.",
            "{Target} fail with {err} {since}, the response says something about a wrong region, but our config is unchanged.",
            "All {target} come back as {err} {since}, did you move our data?",
        ],
        "zh": [
            "{since}，{target}返回{err}，提示什么endpoint不对，我们一直用的就是{region}。",
            "{target}{since}一直报{err}，好像被重定向了，你们是不是迁移了数据？",
            "{when}开始{target}失败，返回{err}，说region不对，但我们的配置没改过。",
        ],
    },
    "quota": {
        "en": [
            "We get lots of {err} on {target} {since}, our traffic is normal.",
            "{Since}, {target} are throttled ({err}), we did not increase load.",
            "{Target} fail with {err} {since}, please raise the limit or check your side.",
        ],
        "zh": [
            "{since}，{target}大量返回{err}，我们的流量是正常的。",
            "{target}{since}被限流了，报{err}，我们并没有加量。",
            "{when}开始{target}一直报{err}，麻烦把限额调高或者查一下你们那边。",
        ],
    },
    "malformed": {
        "en": [
            "{Since}, {target} fail with {err}, the same code worked before.",
            "{Target} are rejected with {err} {since}, did you change the API?",
            "We get {err} for {target} {when}, our SDK version has not changed.",
        ],
        "zh": [
            "{since}，{target}一直报{err}，同样的代码之前是好的。",
            "{target}{since}返回{err}，你们是不是改了接口？",
            "{when}开始{target}报{err}，我们的SDK版本没变过。",
        ],
    },
    "bug": {
        "en": [
            "{Since}, our app shows {err} when it works with {target}, nothing changed on our side.",
            "Our users report {err} on {target} {since}, is something wrong with {svc}?",
            "{Target} stopped working in our app {when}, we see {err} in our logs.",
        ],
        "zh": [
            "{since}，我们的应用处理{target}时一直提示{err}，我们这边没有改动。",
            "用户反馈{target}{since}出现{err}，是不是{svc}有问题？",
            "{when}开始{target}在我们的应用里用不了，日志里有{err}。",
        ],
    },
    "network": {
        "en": [
            "{Target} from our servers time out {since}, no error code, the connection just hangs.",
            "{Since}, {target} hang until our client times out, we never get a response.",
            "Connections for {target} time out {since}, is {svc} down?",
            "We can't reach {svc}: {target} keep timing out {since}.",
        ],
        "zh": [
            "{since}，我们服务器上{target}一直超时，没有错误码，连接就卡住了。",
            "{target}{since}总是卡住直到客户端超时，收不到任何响应。",
            "{when}开始连不上{svc}，{target}全部超时，是不是你们挂了？",
        ],
    },
}

# Follow-ups (follow_up > 0): the same problem, again. {symptom} is the group's symptom below.
FOLLOW_SUBJECTS: dict[str, list[str]] = {
    "en": ["Still failing: {ops}", "Any update? {Ops} still broken", "Follow-up: {ops} still not working",
           "Re: {ops} problem, still happening"],
    "zh": ["{ops}仍然有问题", "还是不行：{ops}失败", "问题还没解决", "有进展吗？{ops}还是有问题"],
}
FOLLOW_BODIES: dict[str, list[str]] = {
    "en": [
        "Any update? {Target} still {symptom}.",
        "This is still happening, {target} still {symptom} {since}.",
        "{Target} still {symptom}, this is the {nth} time we write about it.",
        "Still broken on our side: {target} {symptom} {since}. Please escalate.",
    ],
    "zh": [
        "请问有进展吗？{target}仍然{symptom}。",
        "这是第{n}次反馈了，{target}仍然{symptom}，到底什么时候能修好？",
        "问题还在，{target}{since}一直{symptom}。",
        "还是不行，{target}还是{symptom}，请尽快处理。",
    ],
}
SYMPTOMS: dict[str, dict[str, list[str]]] = {
    "platform": {"en": ["fail with {err}", "keep failing with {err}"], "zh": ["报{err}", "失败，返回{err}"]},
    "gray": {"en": ["fail now and then with {err}"], "zh": ["偶尔报{err}"]},
    "latency": {"en": ["take forever", "keep timing out"], "zh": ["很慢", "超时"]},
    "auth": {"en": ["get {err}", "fail with {err}"], "zh": ["报{err}", "返回{err}"]},
    "not_found": {"en": ["return {err}"], "zh": ["返回{err}"]},
    "wrong_region": {"en": ["get {err}"], "zh": ["返回{err}"]},
    "quota": {"en": ["get throttled ({err})", "get {err}"], "zh": ["被限流，报{err}"]},
    "malformed": {"en": ["fail with {err}"], "zh": ["报{err}"]},
    "network": {"en": ["time out", "hang"], "zh": ["超时", "卡住"]},
    "bug": {"en": ["fail in our app", "show errors"], "zh": ["在应用里报错", "出错"]},
}

# The failing request, quoted (appended as its own sentence).
REQUEST_ID: dict[str, list[str]] = {
    "en": ["Request id: {rid}.", "E.g. {rid}.", "Example failing request: {rid}.", "One of them: {rid}.",
           "See request {rid}."],
    "zh": ["请求ID：{rid}。", "请求ID {rid}。", "比如{rid}。", "失败的请求：{rid}。", "例如请求{rid}。"],
}
# A closing sentence: blame, urgency (customers blame the platform whatever the cause).
CLOSINGS: dict[str, list[str]] = {
    "en": ["Please fix ASAP!", "Nothing changed on our side.", "This is affecting production.",
           "Is there an outage?", "Please check urgently."],
    "zh": ["请尽快处理！", "我们这边没有任何改动。", "影响线上业务了。", "是不是你们出故障了？", "麻烦尽快看一下。"],
}

# How the error is mentioned: {s} status, {p} its reason phrase, {c} error code.
ERROR_MENTIONS: dict[str, dict[str, list[str]]] = {
    "en": {"status": ["{s}", "{s} errors", "{s} {p}", "HTTP {s}"], "code": ["{c}", "{c} errors"],
           "both": ["{s} {c}", "{s} ({c})", "{c} ({s})"]},
    "zh": {"status": ["{s}", "{s}错误", "HTTP {s}"], "code": ["{c}", "{c}错误"],
           "both": ["{s} {c}", "{s}（{c}）", "{c}（{s}）"]},
}
ERROR_MENTION_WEIGHTS = {"both": 0.25, "status": 0.3, "code": 0.2, "none": 0.25}
# ...and when neither status nor code is named.
VAGUE_ERRORS: dict[str, dict[str, list[str]]] = {
    "platform": {"en": ["5xx errors", "server errors", "errors", "5xx"], "zh": ["5xx错误", "服务端错误", "错误", "5xx"]},
    "gray": {"en": ["5xx errors", "server errors", "errors"], "zh": ["5xx错误", "服务端错误", "错误"]},
    "latency": {"en": ["timeouts"], "zh": ["超时"]},
    "auth": {"en": ["permission errors", "auth errors", "an access error"], "zh": ["权限错误", "鉴权失败", "无权限"]},
    "not_found": {"en": ["not found errors", "'not found'", "'does not exist' errors"],
                  "zh": ["“不存在”错误", "not found", "找不到资源的错误"]},
    "wrong_region": {"en": ["a redirect", "redirect errors", "a weird error"], "zh": ["跳转错误", "奇怪的错误", "重定向错误"]},
    "quota": {"en": ["throttling errors", "rate limit errors", "'too many requests'"],
              "zh": ["限流错误", "too many requests", "请求过多的错误"]},
    "malformed": {"en": ["bad request errors", "a 'bad request' error", "an invalid request error"],
                  "zh": ["参数错误", "bad request", "请求无效的错误"]},
    "network": {"en": ["timeouts"], "zh": ["超时"]},
    "bug": {"en": ["errors", "strange errors", "a parse error"], "zh": ["错误", "奇怪的错误", "解析错误"]},
}

# What the customer calls the service (no articles: templates add them).
SERVICE_WORDS: dict[str, dict[str, list[str]]] = {
    "object-storage": {"en": ["object storage", "OSS", "the storage service", "your storage API"],
                       "zh": ["对象存储", "OSS", "存储服务"]},
    "cdn": {"en": ["CDN", "your CDN", "the CDN API"], "zh": ["CDN", "CDN加速", "CDN服务"]},
    "image-processing": {"en": ["image processing", "the image service", "your image API"],
                         "zh": ["图片处理", "图片服务", "图片处理服务"]},
    "auth": {"en": ["the auth API", "the token service", "your login service"], "zh": ["鉴权服务", "认证接口", "登录服务"]},
}
# What fails, in customer words. en: (plural noun, preposition before the place);
# zh: (bare phrase, phrase with the place as {where}).
OPERATIONS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "object-storage": {
        "en": [("uploads", "to"), ("downloads", "from"), ("requests", "to"), ("file reads", "from")],
        "zh": [("上传文件", "往{where}上传文件"), ("下载文件", "从{where}下载文件"), ("请求", "访问{where}的请求"),
               ("读文件", "读{where}里的文件")],
    },
    "cdn": {
        "en": [("requests", "to"), ("image loads", "from"), ("static assets", "on")],
        "zh": [("访问", "访问{where}"), ("图片加载", "{where}的图片加载"), ("静态资源", "{where}上的静态资源")],
    },
    "image-processing": {
        "en": [("image resize calls", "to"), ("thumbnail jobs", "on"), ("API calls", "to")],
        "zh": [("图片处理", "调用{where}处理图片"), ("缩略图生成", "用{where}生成缩略图"), ("接口调用", "调用{where}")],
    },
    "auth": {
        "en": [("token requests", "to"), ("logins", "through"), ("API calls", "to")],
        "zh": [("获取token", "从{where}获取token"), ("登录", "通过{where}登录"), ("接口调用", "调用{where}")],
    },
    "": {
        "en": [("requests", "to"), ("API calls", "to")],
        "zh": [("请求", "访问{where}"), ("接口调用", "调用{where}")],
    },
}
# Where it fails: {svc}, {res} resource, {region}. Keys: which facts the place names.
PLACES: dict[str, dict[str, list[str]]] = {
    "en": {
        "service": ["{svc}"],
        "service_region": ["{svc} in {region}", "{svc} ({region})"],
        "region": ["{region}"],
        "bucket": ["bucket {res}", "our bucket {res}", "{res}"],
        "bucket_region": ["bucket {res} in {region}", "{res} ({region})"],
        "domain": ["{res}", "domain {res}"],
        "domain_region": ["{res} ({region})"],
    },
    "zh": {
        "service": ["{svc}"],
        "service_region": ["{region}的{svc}", "{svc}（{region}）"],
        "region": ["{region}"],
        "bucket": ["bucket {res}", "{res}这个bucket", "存储桶{res}"],
        "bucket_region": ["{region}的bucket {res}", "{res}（{region}）"],
        "domain": ["域名{res}", "{res}"],
        "domain_region": ["{region}的域名{res}"],
    },
}
MISSING: dict[str, dict[str, list[str]]] = {
    "bucket_not_found": {"en": ["our bucket", "the bucket"], "zh": ["bucket", "存储桶"]},
    "object_not_found": {"en": ["our files", "our objects"], "zh": ["文件", "数据"]},
    "": {"en": ["our data"], "zh": ["数据"]},
}

# When it began. Each entry: ("since"-shaped phrase, "at"-shaped phrase).
# {hm} the local start time, {hm5} the same floored to 5 minutes, {ago} the elapsed time.
HINTS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "en": {
        "precise": [("since {hm}", "at {hm}"), ("since about {hm5}", "around {hm5}"),
                    ("since {hm} (UTC+8)", "at {hm} (UTC+8)"), ("from {hm} on", "at about {hm5}")],
        "relative": [("for about {ago} now", "about {ago} ago"), ("for {ago} now", "{ago} ago"),
                     ("since about {ago} ago", "{ago} ago")],
        "just_now": [("for the last few minutes", "just now"), ("since a few minutes ago", "a few minutes ago")],
        "morning": [("since this morning", "this morning")],
        "afternoon": [("since this afternoon", "this afternoon")],
        "evening": [("since this evening", "this evening"), ("since earlier tonight", "earlier tonight")],
        "last_night": [("since last night", "last night"), ("since yesterday evening", "yesterday evening")],
    },
    "zh": {
        "precise": [("从{hm}开始", "{hm}左右"), ("{hm5}左右开始", "{hm}的时候"), ("大概从{hm5}起", "大概{hm5}")],
        "relative": [("{ago}前开始", "{ago}前"), ("最近{ago}", "{ago}前")],
        "just_now": [("刚才开始", "刚才"), ("几分钟前开始", "刚刚")],
        "morning": [("今天上午开始", "今天上午"), ("上午开始", "今天上午")],
        "afternoon": [("今天下午开始", "今天下午"), ("下午开始", "下午")],
        "evening": [("今晚开始", "今晚"), ("晚上开始", "今天晚上")],
        "last_night": [("昨晚开始", "昨晚"), ("昨天晚上开始", "昨天晚上")],
    },
}
HINT_FORM_WEIGHTS = {"precise": 0.35, "relative": 0.3, "vague": 0.35}
JUST_NOW = timedelta(minutes=15)

# Common Chinese typing mistakes (pinyin input picks the wrong homophone): (right, wrong).
ZH_TYPOS: list[tuple[str, str]] = [
    ("已经", "已近"), ("一直", "一只"), ("现在", "现再"), ("没有", "没用"), ("问题", "问提"), ("处理", "处里"),
    ("好像", "好象"), ("配置", "配制"), ("全部", "全步"),
]
ORDINALS_EN = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}
NUMERALS_ZH = {2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TicketFacts:
    kind: str                 # event kind, e.g. "regional_outage", "expired_token", "client_network", "latency_degradation"
    service: str              # e.g. "object-storage", "cdn", "image-processing", "auth"
    region: str               # e.g. "cn-east-1"
    status: int | None        # HTTP status the customer saw (None for latency / client network problems)
    error_code: str | None    # e.g. "ExpiredToken", "ServiceUnavailable"
    request_id: str | None    # a failing request id to quote, or None
    resource: str | None      # bucket or domain name, or None
    started: datetime         # when the customer first saw the problem (UTC, aware)
    created: datetime         # when the ticket is written (UTC, aware), after `started`
    follow_up: int = 0        # 0 = first ticket, 1.. = a later ticket about the same problem


def ticket_text(facts: TicketFacts, language: str, rng: random.Random, typos: bool = False) -> tuple[str, str]:
    """(subject, body) in language "zh" or "en"."""
    _check_language(language)
    group = kind_group(facts)
    _, since, when = _hint(facts.started, facts.created, language, rng)
    err = _error_mention(facts, group, language, rng)
    svc = rng.choice(_service_words(facts.service, language))
    ops, target = _target(facts, svc, language, rng)
    missing = rng.choice(MISSING.get(facts.kind, MISSING[""])[language])
    fields = {"target": target, "ops": ops, "svc": svc, "err": err, "since": since, "when": when,
              "region": facts.region, "missing": missing}

    if facts.follow_up > 0:
        n = facts.follow_up + 1
        fields["symptom"] = rng.choice(SYMPTOMS[group][language]).format(err=err)
        fields["nth"] = ORDINALS_EN.get(n, f"{n}th")
        fields["n"] = NUMERALS_ZH.get(n, str(n))
        subject = _fill(rng.choice(FOLLOW_SUBJECTS[language]), fields)
        sentences = [_fill(rng.choice(FOLLOW_BODIES[language]), fields)]
    else:
        subject = _fill(rng.choice(SUBJECTS[group][language]), fields)
        sentences = [_fill(rng.choice(BODIES[group][language]), fields)]
    if facts.request_id:
        sentences.append(rng.choice(REQUEST_ID[language]).format(rid=facts.request_id))
    closing = rng.choice(CLOSINGS[language])
    if facts.follow_up == 0 and rng.random() < 0.4 and not sentences[0].endswith(("?", "？")) and closing not in sentences[0]:
        sentences.append(closing)

    body = " ".join(sentences) if language == "en" else "".join(sentences)
    if language == "zh" and rng.random() < 0.6:  # many write "返回 503", many "返回503"
        subject, body = _space_mixed(subject), _space_mixed(body)
    if typos:
        # The error code, resource and status phrase ("Service Unavailable") stay as the customer copied them.
        keep = {facts.error_code or "", facts.resource or "", facts.request_id or "", facts.region,
                *_phrase(facts.status).split()}
        if language == "zh":
            body = _zh_typo(body, rng)
            body = _typos(body, rng, rate=0.005, keep=keep)
        else:
            subject = _typos(subject, rng, rate=0.004, keep=keep)
            body = _typos(body, rng, rate=0.006, keep=keep, at_least_one=True)
    return subject, body


def time_hint(started: datetime, created: datetime, language: str, rng: random.Random) -> str:
    """How a customer says when it began: precise ("since 10:05", "从 10:05 开始"), relative ("20 minutes ago",
    "半小时前"), or vague ("this morning", "今天上午", "昨晚", "刚才") — chosen at random, but always true for the
    two times given, in the customer's local time UTC+8."""
    _check_language(language)
    form, since, when = _hint(started, created, language, rng)
    return since if form == "precise" else when


def add_typos(text: str, rng: random.Random, rate: float = 0.03) -> str:
    """Swap/drop/double letters in a few English words; never touch request ids (req-...), numbers or error codes."""
    return _typos(text, rng, rate)


def kind_group(facts: TicketFacts) -> str:
    """The template group of an event kind; an unknown kind is grouped by the status seen."""
    if facts.kind in KIND_GROUPS:
        return KIND_GROUPS[facts.kind]
    status = _error_status(facts.status)
    if status is None:
        return "latency" if facts.status else "network"  # answered, but slowly / never answered
    if status >= 500:
        return "platform"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status == 429:
        return "quota"
    if 300 <= status < 400:
        return "wrong_region"
    return "malformed"


# ---------------------------------------------------------------------------------------------
# Pieces
# ---------------------------------------------------------------------------------------------

def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")


def _fill(template: str, fields: dict[str, str]) -> str:
    values = dict(fields)
    values.update({key[:1].upper() + key[1:]: _cap(value) for key, value in fields.items()})
    return template.format_map(values)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(CUSTOMER_CLOCK)


def _vague_forms(started: datetime, created: datetime) -> list[str]:
    """The vague time words that are true for these two (local) times."""
    forms = []
    if timedelta(0) <= created - started <= JUST_NOW:
        forms.append("just_now")
    same_day = started.date() == created.date()
    if same_day and 6 <= started.hour < 12:
        forms.append("morning")
    if same_day and 12 <= started.hour < 18:
        forms.append("afternoon")
    if same_day and started.hour >= 18:
        forms.append("evening")
    if started.date() == created.date() - timedelta(days=1) and started.hour >= 18:
        forms.append("last_night")
    return forms


def _hint(started: datetime, created: datetime, language: str, rng: random.Random) -> tuple[str, str, str]:
    """(form, since-shaped phrase, at-shaped phrase) for when the problem began."""
    start, end = _local(started), _local(created)
    form = rng.choices(list(HINT_FORM_WEIGHTS), weights=list(HINT_FORM_WEIGHTS.values()))[0]
    key = form
    if form == "vague":
        forms = _vague_forms(start, end)
        if forms:
            key = rng.choice(forms)
        else:
            form = key = rng.choice(["precise", "relative"])
    since, at = rng.choice(HINTS[language][key])
    values = {"hm": _clock(start, end, language, 1), "hm5": _clock(start, end, language, 5),
              "ago": _elapsed(end - start, language)}
    return form, since.format(**values), at.format(**values)


def _clock(start: datetime, end: datetime, language: str, step: int) -> str:
    """The local start time, floored to `step` minutes, with the day when it is not today."""
    hm = f"{start.hour:02d}:{start.minute - start.minute % step:02d}"
    days = (end.date() - start.date()).days
    if days <= 0:
        return hm
    if language == "zh":
        return f"昨天{hm}" if days == 1 else f"{start.month}月{start.day}日{hm}"
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[start.month - 1]
    return f"{hm} yesterday" if days == 1 else f"{hm} on {month} {start.day}"


def _elapsed(delta: timedelta, language: str) -> str:
    """Elapsed time the way people round it: 7 minutes, 20 minutes, half an hour, 2 hours."""
    minutes = max(delta.total_seconds(), 0) / 60
    zh = language == "zh"
    if minutes < 1.5:
        return "1分钟" if zh else "a minute"
    if minutes < 10:
        return f"{round(minutes)}分钟" if zh else f"{round(minutes)} minutes"
    if minutes < 25 or 35 <= minutes < 50:
        five = 5 * round(minutes / 5)
        return f"{five}分钟" if zh else f"{five} minutes"
    if minutes < 35:
        return "半小时" if zh else "half an hour"
    if minutes < 75:
        return "一个小时" if zh else "an hour"
    if minutes < 105:
        return "一个半小时" if zh else "an hour and a half"
    hours = round(minutes / 60)
    if hours < 36:
        if zh:
            return "两个小时" if hours == 2 else f"{hours}个小时"
        return f"{hours} hours"
    days = round(hours / 24)
    if zh:
        return "一天" if days == 1 else ("两天" if days == 2 else f"{days}天")
    return "a day" if days == 1 else f"{days} days"


def _error_mention(facts: TicketFacts, group: str, language: str, rng: random.Random) -> str:
    """The error as the customer names it: status, code, both, or neither."""
    status, code = bool(_error_status(facts.status)), bool(facts.error_code)
    possible = {"both": status and code, "status": status, "code": code, "none": True}
    choices = [way for way in ERROR_MENTION_WEIGHTS if possible[way]]
    way = rng.choices(choices, weights=[ERROR_MENTION_WEIGHTS[way] for way in choices])[0]
    if way == "none":
        return rng.choice(VAGUE_ERRORS[group][language])
    phrase = _phrase(facts.status)
    forms = [form for form in ERROR_MENTIONS[language][way] if phrase or "{p}" not in form]
    return rng.choice(forms).format(s=facts.status, p=phrase, c=facts.error_code)


def _error_status(status: int | None) -> int | None:
    """A status worth complaining about: a 2xx (a slow but successful request) is not named."""
    return status if status and status >= 300 else None


def _phrase(status: int | None) -> str:
    """The reason phrase of an HTTP status ("Service Unavailable"), or "" if none is known."""
    status = _error_status(status)
    try:
        return HTTPStatus(status).phrase if status else ""
    except ValueError:
        return ""


def _service_words(service: str, language: str) -> list[str]:
    known = SERVICE_WORDS.get(service)
    if known:
        return known[language]
    return [service.replace("-", " ") if language == "en" else service]


def _target(facts: TicketFacts, svc: str, language: str, rng: random.Random) -> tuple[str, str]:
    """(bare operation, operation with its place): the place always names the resource when given."""
    noun, with_place = rng.choice(OPERATIONS.get(facts.service, OPERATIONS[""])[language])
    with_region = rng.random() < 0.35
    if facts.resource:
        base = {"object-storage": "bucket", "cdn": "domain"}.get(facts.service, "domain")
        key = f"{base}_region" if with_region else base
    else:
        named = rng.random() < 0.6
        key = ("service_region" if named else "region") if with_region else ("service" if named else "")
    if not key:
        return noun, noun
    place = rng.choice(PLACES[language][key]).format(svc=svc, res=facts.resource, region=facts.region)
    if language == "en":
        return noun, f"{noun} {with_place} {place}"
    return noun, with_place.format(where=place)


CJK = "\u4e00-\u9fff"
_CJK_THEN_LATIN = re.compile(f"([{CJK}])([A-Za-z0-9])")
_LATIN_THEN_CJK = re.compile(f"([A-Za-z0-9])([{CJK}])")


def _space_mixed(text: str) -> str:
    """A space between Chinese and Latin letters or digits: "返回503" -> "返回 503"."""
    return _LATIN_THEN_CJK.sub(r"\1 \2", _CJK_THEN_LATIN.sub(r"\1 \2", text))


def _zh_typo(text: str, rng: random.Random) -> str:
    present = [(right, wrong) for right, wrong in ZH_TYPOS if right in text]
    if not present:
        return text
    right, wrong = rng.choice(present)
    return text.replace(right, wrong, 1)


# A plain English word: letters only, lower case after the first (no codes, ids, numbers, acronyms).
_WORD = re.compile(r"^[A-Za-z][a-z]{3,}$")
_CHUNK = re.compile(r"\S+")
_SPLIT = re.compile(r"^([^A-Za-z0-9]*)(.*?)([^A-Za-z0-9]*)$", re.S)


def _typos(text: str, rng: random.Random, rate: float, keep: set[str] = frozenset(), at_least_one: bool = False) -> str:
    """Misspell plain words (each with chance rate × its length); words in `keep` are left alone."""
    chunks = [(match.start(), match.end(), _SPLIT.match(match.group())) for match in _CHUNK.finditer(text)]
    eligible = [index for index, (_, _, parts) in enumerate(chunks)
                if _WORD.match(parts.group(2)) and parts.group(2) not in keep]
    chosen = [index for index in eligible if rng.random() < min(1.0, rate * len(chunks[index][2].group(2)))]
    if at_least_one and not chosen and eligible:
        chosen = [rng.choice(eligible)]
    out, last = [], 0
    for index in chosen:
        start, end, parts = chunks[index]
        out.append(text[last:start])
        out.append(parts.group(1) + _misspell(parts.group(2), rng) + parts.group(3))
        last = end
    out.append(text[last:])
    return "".join(out)


def _misspell(word: str, rng: random.Random) -> str:
    """Swap two neighbouring letters, drop one, or double one; never the first letter."""
    how = rng.choice(["swap", "drop", "double"])
    swaps = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if how == "swap" and swaps:
        i = rng.choice(swaps)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    i = rng.randrange(1, len(word))
    if how == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]
