"""The words Atlas's customers use: names, phrases and sentence templates per kind and language.

Slots in the templates (filled by wording.py, never left in a ticket):
  {svc}   how the customer names the service ("the Payments API", "短信接口")
  {at}    where, with its own leading word (" in Dublin", " on vega-2", "" when unsaid); zh: "欧洲机房的" / ""
  {err}   the error as the customer names it: quoted message, status, both, or vague words
  {res}   the customer's workspace
  {rid}   a failing request id, verbatim
  {when}  a time hint (only in TIME sentences)
  {n}     a follow-up's count word ("second", "第二")
No template writes a clock time or a number of its own: times come from {when} only.
"""

from __future__ import annotations

SERVICES = {
    "payments": {
        "en": ["payments", "the Payments API", "Atlas Payments", "your payments API", "the charges endpoint",
               "the payment API", "the payments service"],
        "zh": ["支付接口", "Atlas 支付", "支付服务", "payments 接口", "收款接口", "扣款接口"],
    },
    "ledger": {
        "en": ["ledger", "the Ledger API", "Atlas Ledger", "the balances endpoint", "your ledger service",
               "the statements API"],
        "zh": ["账本接口", "Ledger 接口", "余额接口", "账本服务", "流水查询接口"],
    },
    "mailer": {
        "en": ["mailer", "the Mailer API", "Atlas Mailer", "your email API", "the send endpoint",
               "the transactional email API"],
        "zh": ["邮件接口", "邮件服务", "Mailer 接口", "发信接口", "Atlas 邮件"],
    },
    "sms": {
        "en": ["sms", "the SMS API", "Atlas SMS", "your SMS gateway", "the texting API", "the OTP texts API"],
        "zh": ["短信接口", "短信服务", "SMS 接口", "验证码短信接口", "Atlas 短信"],
    },
}

# Where: each entry is written after "in"/"on" (en) or before "的" (zh).
REGIONS = {
    "lyra-1": {"en": ["lyra-1", "Dublin", "the EU datacenter", "EU (lyra-1)", "Europe"],
               "zh": ["lyra-1", "都柏林机房", "欧洲机房", "欧洲区 lyra-1"]},
    "vega-2": {"en": ["vega-2", "Ashburn", "US East", "US-East (vega-2)", "Virginia"],
               "zh": ["vega-2", "美东机房", "弗吉尼亚机房", "美东 vega-2"]},
    "draco-1": {"en": ["draco-1", "Oregon", "US West", "the Oregon DC"],
                "zh": ["draco-1", "美西机房", "俄勒冈机房", "美西 draco-1"]},
    "orion-1": {"en": ["orion-1", "Singapore", "APAC", "the Singapore DC"],
                "zh": ["orion-1", "新加坡机房", "亚太机房", "新加坡 orion-1"]},
}
AT_WORDS_EN = [" in {r}", " in {r}", " on {r}", " ({r})", " out of {r}"]

REASONS = {
    308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    413: "Payload Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}

# How a status is written. {s} the status, {reason} its reason phrase.
STATUS_FORMS = {
    "en": ["HTTP {s}", "{s} errors", "{s} {reason}", "{s}s", "status {s}", "a {s} response", "error {s}",
           "{s} ({reason})", "HTTP {s} {reason}"],
    "zh": ["HTTP {s}", "{s}错误", "{s} {reason}", "状态码{s}", "{s}", "{s} 报错"],
}
# How a quoted message is written (as a noun phrase after "with"/"返回"). {m} the message, verbatim.
MESSAGE_FORMS = {
    "en": ['"{m}"', "this error: \"{m}\"", "'{m}'", "an error saying \"{m}\""],
    "zh": ["“{m}”", "\"{m}\"", "错误信息 “{m}”", "这个报错：{m}"],
}
BOTH_FORMS = {
    "en": ['{s} "{m}"', 'HTTP {s} with "{m}"', "{s} {reason} (\"{m}\")", 'a {s} saying "{m}"'],
    "zh": ["{s}，错误信息是“{m}”", "HTTP {s}（{m}）", "{s} 错误：“{m}”"],
}
# Vague words, by the class of error.
VAGUE = {
    "en": {
        "server": ["errors", "server errors", "5xx errors", "failures", "random errors", "5XX responses",
                   "internal errors"],
        "client": ["errors", "4xx errors", "rejections", "error responses", "failures"],
    },
    "zh": {
        "server": ["报错", "5xx 错误", "服务端错误", "失败", "错误", "5XX"],
        "client": ["报错", "4xx 错误", "错误", "请求被拒绝", "失败"],
    },
}
# Kind-specific vague words, used instead of the class's half of the time.
KIND_VAGUE = {
    "en": {
        "expired_token": ["auth errors", "authentication failures", "unauthorized errors", "credential errors"],
        "signature_mismatch": ["signature errors", "auth errors", "signing failures"],
        "access_denied": ["permission errors", "forbidden errors", "access errors"],
        "wrong_region": ["redirects", "redirect errors", "endpoint errors"],
        "bucket_not_found": ["not found errors", "workspace errors"],
        "object_not_found": ["not found errors", "missing document errors"],
        "quota_exceeded": ["rate limit errors", "throttling", "limit errors"],
        "malformed_request": ["validation errors", "invalid request errors", "bad request errors"],
        "payload_too_large": ["size errors", "too large errors", "upload errors"],
        "regional_outage": ["outage errors", "unavailable errors"],
        "node_failure": ["gateway errors", "bad gateway errors"],
        "dependency_failure": ["timeouts", "unavailable errors"],
        "gray_failure": ["intermittent errors", "occasional server errors"],
    },
    "zh": {
        "expired_token": ["鉴权失败", "认证错误", "未授权错误"],
        "signature_mismatch": ["签名错误", "鉴权失败"],
        "access_denied": ["权限错误", "无权限", "禁止访问"],
        "wrong_region": ["重定向", "接入点错误"],
        "bucket_not_found": ["找不到工作区", "not found"],
        "object_not_found": ["找不到文档", "not found"],
        "quota_exceeded": ["限流", "频率限制", "请求过多"],
        "malformed_request": ["参数错误", "校验错误"],
        "payload_too_large": ["文件太大", "大小超限"],
        "regional_outage": ["服务不可用", "大面积报错"],
        "node_failure": ["网关错误", "间歇性报错"],
        "dependency_failure": ["超时", "服务不可用"],
        "gray_failure": ["偶发报错", "零星的 5xx"],
    },
}

# ---- subjects ---------------------------------------------------------------------------------------
# Slots: {svc}, {err} (short: a status or vague words, never a long message), {at}.
SUBJECTS = {
    "en": {
        "regional_outage": ["Is {svc} down?", "{svc}{at} failing with {err}", "Outage on {svc}{at}",
                            "URGENT: {svc} not working", "Most calls to {svc} failing", "Is {svc}{at} down right now?"],
        "node_failure": ["{svc} returning {err}", "Lots of {err} from {svc}{at}", "{svc}{at} unreliable",
                         "Requests to {svc} failing", "Errors from {svc}{at}", "Gateway problems on {svc}"],
        "latency_degradation": ["{svc} extremely slow", "{svc}{at} timing out", "Very high latency on {svc}",
                                "Slow responses from {svc}{at}", "Degraded performance on {svc}", "Timeouts calling {svc}"],
        "dependency_failure": ["{svc}{at} failing with {err}", "Multiple failures on {svc}", "Timeouts and {err} from {svc}",
                               "Problem with {svc}{at}", "{svc} unavailable", "Errors across {svc}"],
        "gray_failure": ["Intermittent {err} on {svc}", "Occasional failures from {svc}", "{svc}{at}: sporadic {err}",
                         "Some requests to {svc} fail", "Random errors from {svc}", "{svc}{at} is flaky"],
        "expired_token": ["{svc} rejecting our credentials", "{err} from {svc}", "Auth broken on {svc}",
                          "Suddenly getting {err}", "{svc}{at} says unauthorized", "API key stopped working"],
        "signature_mismatch": ["Signature errors on {svc}", "{svc} rejects signed requests", "{err} from {svc}{at}",
                               "Request signing broken?", "Auth failing on {svc}", "Signed calls to {svc} refused"],
        "access_denied": ["{svc} returns {err}", "Permission problem on {svc}", "Access denied on {svc}{at}",
                          "Can't use {svc} anymore", "{err} on our workspace", "Key no longer allowed on {svc}"],
        "wrong_region": ["{svc} keeps redirecting", "{err} from {svc}{at}", "Strange redirect responses from {svc}",
                         "Calls to {svc} bounced", "Endpoint problem with {svc}", "{svc}: requests not accepted"],
        "bucket_not_found": ["Workspace not found on {svc}", "{svc} says our workspace does not exist",
                             "{err} from {svc}", "Our workspace disappeared?", "{svc}{at} can't find workspace",
                             "Missing workspace"],
        "object_not_found": ["{svc} can't find our documents", "{err} on {svc}", "Documents missing in {svc}",
                             "Templates gone?", "{svc}{at} returning {err}", "Attachments not found"],
        "quota_exceeded": ["{svc} throttling us", "Rate limited on {svc}{at}", "{err} from {svc}",
                           "Getting throttled", "{svc} rejecting our batch", "Too many requests on {svc}?"],
        "malformed_request": ["{svc} rejects our requests", "Validation errors on {svc}", "{err} from {svc}{at}",
                              "{svc} says our request is invalid", "API change on {svc}?", "Requests to {svc} refused"],
        "payload_too_large": ["Uploads to {svc} failing", "{err} on {svc}", "{svc} refuses large requests",
                              "Can't send big attachments via {svc}", "{svc}{at} upload errors", "Size limit on {svc}?"],
        "client_network": ["Can't reach {svc}", "Connection problems with {svc}{at}", "{svc} unreachable from our servers",
                           "Timeouts connecting to {svc}", "Network issue to {svc}?", "Connections to {svc} dropping"],
        "client_bug": ["Integration with {svc} broken", "Problem with responses from {svc}", "Our calls to {svc} not working properly",
                       "Issue with {svc} after our release", "Something wrong with {svc}?", "Customers complaining about {svc}"],
    },
    "zh": {
        "regional_outage": ["{svc}挂了？", "{at}{svc}大量报{err}", "{svc}不可用", "紧急：{svc}无法使用",
                            "{svc}调用大面积失败"],
        "node_failure": ["{svc}频繁报{err}", "{at}{svc}不稳定", "{svc}请求失败", "{svc}网关报错",
                         "{svc}时好时坏"],
        "latency_degradation": ["{svc}非常慢", "{at}{svc}超时", "{svc}延迟很高", "{svc}响应慢",
                                "调用{svc}超时严重"],
        "dependency_failure": ["{at}{svc}报{err}", "{svc}多个接口失败", "{svc}超时和报错", "{svc}异常",
                               "{svc}服务不可用"],
        "gray_failure": ["{svc}偶发{err}", "{svc}偶尔失败", "{at}{svc}零星报错", "{svc}部分请求失败",
                         "{svc}间歇性异常"],
        "expired_token": ["{svc}鉴权失败", "{svc}返回{err}", "调用{svc}提示未授权", "API key 突然不能用了",
                          "{svc}认证报错"],
        "signature_mismatch": ["{svc}签名校验不通过", "{svc}拒绝签名请求", "{svc}返回{err}", "签名问题",
                               "{at}{svc}鉴权报错"],
        "access_denied": ["{svc}返回{err}", "{svc}权限问题", "{svc}拒绝访问", "突然没有权限调用{svc}",
                          "{svc}提示无权限"],
        "wrong_region": ["{svc}一直重定向", "{svc}返回{err}", "{svc}请求被打回", "{svc}接入点有问题",
                         "{at}{svc}请求异常"],
        "bucket_not_found": ["{svc}提示工作区不存在", "工作区找不到了", "{svc}返回{err}", "我们的工作区没了？",
                             "{svc}找不到工作区"],
        "object_not_found": ["{svc}找不到文档", "{svc}返回{err}", "模板不见了", "{svc}附件不存在",
                             "{at}{svc}文档丢失"],
        "quota_exceeded": ["{svc}被限流", "{svc}返回{err}", "调用{svc}频率受限", "{svc}拒绝批量请求",
                           "{at}{svc}限流"],
        "malformed_request": ["{svc}拒绝我们的请求", "{svc}参数校验失败", "{svc}返回{err}", "{svc}接口变了吗？",
                              "{svc}请求报错"],
        "payload_too_large": ["{svc}上传失败", "{svc}返回{err}", "大附件发不出去", "{svc}限制请求大小？",
                              "{at}{svc}上传报错"],
        "client_network": ["连不上{svc}", "{svc}连接超时", "访问{at}{svc}网络异常", "{svc}连接经常断开",
                           "服务器无法访问{svc}"],
        "client_bug": ["{svc}对接出问题", "{svc}返回结果异常", "我们调用{svc}不正常", "发版后{svc}有问题",
                       "用户反馈{svc}相关功能异常"],
    },
}

# ---- what happens ---------------------------------------------------------------------------------
# One or two sentences. Slots: {svc}, {at}, {err}; invisible kinds have no {err}.
SITUATIONS = {
    "en": {
        "regional_outage": [
            "Almost every call to {svc}{at} is failing with {err}.",
            "{svc_cap}{at} is down for us: requests come back with {err}.",
            "We can't process anything through {svc}{at}, it just returns {err}.",
            "Our checkout is dead because {svc}{at} answers {err} to most requests.",
            "Is there an outage? {svc_cap}{at} gives us {err} on nearly everything.",
            "Every second request to {svc}{at} fails with {err} and retries don't help.",
            "All our services that talk to {svc}{at} are throwing {err}.",
        ],
        "node_failure": [
            "A large share of our requests to {svc}{at} fail with {err}.",
            "{svc_cap}{at} keeps answering {err}, not every time but most of the time.",
            "We see {err} from {svc}{at} on most calls; a few still go through.",
            "Calls to {svc}{at} are failing with {err} for our account.",
            "Our integration with {svc}{at} is failing: {err}.",
            "Something is wrong with {svc}{at}, we are getting {err} again and again.",
        ],
        "latency_degradation": [
            "{svc_cap}{at} has become extremely slow, calls that normally take a fraction of a second now take several seconds.",
            "Our requests to {svc}{at} are timing out on our side; the client gives up after a few seconds.",
            "Latency on {svc}{at} is through the roof. Nothing fails outright but everything is slow.",
            "We're seeing huge response times from {svc}{at} and our workers pile up waiting.",
            "{svc_cap}{at} is so slow that our timeouts fire on a lot of calls.",
            "Responses from {svc}{at} take forever. Is something degraded?",
        ],
        "dependency_failure": [
            "Requests to {svc}{at} fail with {err}, and it looks like more than one of your APIs is affected.",
            "{svc_cap}{at} returns {err} for a big part of our traffic.",
            "We get {err} from {svc}{at}, some calls hang for a long time before failing.",
            "Calls to {svc}{at} are erroring out with {err}; other Atlas endpoints seem shaky too.",
            "A lot of our requests to {svc}{at} end in {err}.",
            "{svc_cap}{at} is unstable: {err} on and off.",
        ],
        "gray_failure": [
            "A small fraction of our calls to {svc}{at} fail with {err}.",
            "We keep seeing the odd {err} from {svc}{at}. Most requests are fine.",
            "Every now and then {svc}{at} answers {err}. It's rare but constant.",
            "Some requests to {svc}{at} fail with {err}, maybe one in a hundred.",
            "Our error tracker shows sporadic {err} from {svc}{at}.",
            "Low but steady rate of {err} from {svc}{at}, retrying usually works.",
        ],
        "expired_token": [
            "{svc_cap}{at} started rejecting our requests with {err}.",
            "All of a sudden every call to {svc}{at} fails with {err}. We did not change our credentials.",
            "Our API key seems to be refused by {svc}{at}: {err}.",
            "Your auth on {svc}{at} looks broken, we get {err} on every request.",
            "We get {err} from {svc}{at} although the same key worked fine until now.",
            "Requests to {svc}{at} are being refused with {err}.",
        ],
        "signature_mismatch": [
            "{svc_cap}{at} rejects our signed requests with {err}.",
            "Since our last deploy, requests to {svc}{at} fail with {err}. The signing code is the same as before.",
            "Every call to {svc}{at} is answered with {err}. Did you change how signatures are checked?",
            "Our requests to {svc}{at} get {err}, looks like a signature problem on your side.",
            "We're getting {err} from {svc}{at} for requests signed exactly like always.",
            "{svc_cap}{at} refuses our calls with {err}.",
        ],
        "access_denied": [
            "{svc_cap}{at} refuses our calls with {err}.",
            "Our key is suddenly not allowed to use {svc}{at}: {err}.",
            "We get {err} from {svc}{at} when writing to our workspace.",
            "Requests to {svc}{at} fail with {err}, and nobody here touched the permissions.",
            "{svc_cap}{at} says we're not allowed to do something that always worked: {err}.",
            "Calls to {svc}{at} end in {err} for one of our keys.",
        ],
        "wrong_region": [
            "Requests to {svc}{at} are answered with {err} instead of being processed.",
            "{svc_cap}{at} keeps sending back {err}, our client doesn't follow it.",
            "We get {err} from {svc}{at} for every call to our workspace.",
            "Our calls to {svc}{at} don't go through, they come back with {err}.",
            "Since a config change on our side, {svc}{at} answers {err}. Why would the endpoint matter?",
            "{svc_cap}{at} won't accept our requests: {err}.",
        ],
        "bucket_not_found": [
            "{svc_cap}{at} claims our workspace does not exist: {err}.",
            "All calls to {svc}{at} fail with {err}. The workspace is definitely there.",
            "We get {err} from {svc}{at}. Did our workspace get deleted?",
            "{svc_cap}{at} can't find our workspace anymore and answers {err}.",
            "Requests to {svc}{at} return {err} for the workspace we have used for months.",
            "Our workspace seems to have vanished from {svc}{at}: {err}.",
        ],
        "object_not_found": [
            "{svc_cap}{at} can't find documents we uploaded: {err}.",
            "Calls to {svc}{at} referencing our templates fail with {err}.",
            "We get {err} from {svc}{at} for attachments that should be there.",
            "{svc_cap}{at} returns {err} for documents we can see in the dashboard.",
            "Some of our documents seem gone, {svc}{at} answers {err}.",
            "Requests for stored documents on {svc}{at} fail with {err}.",
        ],
        "quota_exceeded": [
            "{svc_cap}{at} is throttling us: {err}.",
            "Our batch job against {svc}{at} fails with {err}.",
            "We get {err} from {svc}{at} even though our volume is normal.",
            "{svc_cap}{at} rejects a lot of our calls with {err}. Did you lower our limits?",
            "Many requests to {svc}{at} bounce with {err}.",
            "We're being rate limited by {svc}{at}: {err}.",
        ],
        "malformed_request": [
            "{svc_cap}{at} rejects our requests with {err}.",
            "After your latest release, requests to {svc}{at} fail with {err}.",
            "We get {err} from {svc}{at} for payloads that worked before.",
            "{svc_cap}{at} refuses our calls: {err}. Our code hasn't changed.",
            "Requests to {svc}{at} are refused with {err}; did the API change?",
            "Our calls to {svc}{at} fail validation: {err}.",
        ],
        "payload_too_large": [
            "Large requests to {svc}{at} fail with {err}.",
            "We can't send big attachments through {svc}{at}: {err}.",
            "{svc_cap}{at} refuses our uploads with {err}.",
            "Uploading our monthly export via {svc}{at} fails with {err}.",
            "Some calls to {svc}{at} with big bodies get {err}.",
            "{svc_cap}{at} answers {err} when we send larger files.",
        ],
        "client_network": [
            "Our servers can't connect to {svc}{at}, connections time out.",
            "Connections to {svc}{at} keep getting reset before we get any response.",
            "We can't reach {svc}{at} from our backend: TCP connect timeouts.",
            "Requests to {svc}{at} hang and never complete, no response at all.",
            "TLS handshakes to {svc}{at} fail or time out from our datacenter.",
            "Our calls to {svc}{at} fail with connection refused and DNS lookup timeouts.",
        ],
        "client_bug": [
            "Our app shows a failure to users after calling {svc}{at}, even for operations that seem to go through.",
            "Since our release, the responses we get from {svc}{at} make our service crash while parsing them.",
            "Our customers report that the confirmation step fails, and it happens right after our call to {svc}{at}.",
            "Something between our app and {svc}{at} is broken: the dashboard shows the calls, but our side reports an error.",
            "Our integration with {svc}{at} stopped working properly; our logs show exceptions in our handler.",
            "Users can't finish the flow that uses {svc}{at}. Our side shows a generic error.",
        ],
    },
    "zh": {
        "regional_outage": [
            "{at}{svc}几乎所有请求都返回{err}。",
            "{at}{svc}完全用不了，一直报{err}。",
            "我们调用{at}{svc}大面积失败，返回{err}，重试也没用。",
            "是不是出故障了？{at}{svc}基本都是{err}。",
            "我们的收银台全挂了，因为{at}{svc}一直返回{err}。",
            "所有依赖{at}{svc}的服务都在报{err}。",
        ],
        "node_failure": [
            "调用{at}{svc}大部分请求失败，返回{err}。",
            "{at}{svc}一直报{err}，偶尔能成功几次。",
            "我们账号调用{at}{svc}频繁出现{err}。",
            "{at}{svc}不太对劲，反复返回{err}。",
            "{at}{svc}的请求很多都是{err}。",
        ],
        "latency_degradation": [
            "{at}{svc}突然变得非常慢，平时很快的请求现在要好几秒。",
            "调用{at}{svc}经常超时，我们的客户端等几秒就放弃了。",
            "{at}{svc}延迟特别高，请求不报错，但就是慢。",
            "{at}{svc}响应时间暴涨，我们的任务全堆着等结果。",
            "{at}{svc}慢到我们这边大量超时。",
        ],
        "dependency_failure": [
            "{at}{svc}返回{err}，感觉好几个接口都受影响了。",
            "我们调用{at}{svc}有很大一部分返回{err}。",
            "{at}{svc}报{err}，有的请求卡很久才失败。",
            "{at}{svc}一直{err}，其他 Atlas 接口好像也不稳定。",
            "{at}{svc}很不稳定，时不时就{err}。",
        ],
        "gray_failure": [
            "{at}{svc}有一小部分请求返回{err}。",
            "{at}{svc}偶尔会报{err}，大部分请求是正常的。",
            "{at}{svc}时不时出现{err}，比例不高但一直有。",
            "我们的监控显示{at}{svc}有零星的{err}。",
            "{at}{svc}部分请求失败（{err}），重试一般能成功。",
        ],
        "expired_token": [
            "{at}{svc}突然开始拒绝我们的请求，返回{err}。",
            "调用{at}{svc}全部失败，报{err}，我们没有动过密钥。",
            "{at}{svc}好像不认我们的 API key 了：{err}。",
            "你们{at}{svc}的鉴权是不是坏了？每个请求都是{err}。",
            "同一个 key 之前一直正常，现在{at}{svc}返回{err}。",
        ],
        "signature_mismatch": [
            "{at}{svc}拒绝我们签名的请求，返回{err}。",
            "上次发版之后调用{at}{svc}就报{err}，签名代码没改过。",
            "{at}{svc}每个请求都是{err}，你们是不是改了签名校验？",
            "我们发往{at}{svc}的请求收到{err}，像是你们那边签名的问题。",
            "签名方式和以前一样，{at}{svc}却返回{err}。",
        ],
        "access_denied": [
            "{at}{svc}拒绝我们的调用，返回{err}。",
            "我们的 key 突然不能用{at}{svc}了：{err}。",
            "往工作区写数据时{at}{svc}返回{err}。",
            "调用{at}{svc}报{err}，我们这边没人改过权限。",
            "一直能做的操作，现在{at}{svc}说不允许：{err}。",
        ],
        "wrong_region": [
            "我们请求{at}{svc}，收到的是{err}，请求没有被处理。",
            "{at}{svc}一直返回{err}，我们的客户端不会跟随。",
            "访问我们的工作区时{at}{svc}总是返回{err}。",
            "调用{at}{svc}不成功，都是{err}。",
            "我们这边改了配置之后{at}{svc}就返回{err}，接入点有什么讲究吗？",
        ],
        "bucket_not_found": [
            "{at}{svc}说我们的工作区不存在：{err}。",
            "调用{at}{svc}全部失败，返回{err}，工作区明明还在。",
            "{at}{svc}返回{err}，我们的工作区被删了吗？",
            "{at}{svc}找不到我们的工作区了，报{err}。",
            "用了几个月的工作区，现在{at}{svc}返回{err}。",
        ],
        "object_not_found": [
            "{at}{svc}找不到我们上传的文档：{err}。",
            "引用模板调用{at}{svc}时返回{err}。",
            "附件明明在，{at}{svc}却返回{err}。",
            "控制台能看到的文档，{at}{svc}返回{err}。",
            "有些文档好像丢了，{at}{svc}报{err}。",
        ],
        "quota_exceeded": [
            "{at}{svc}在限流我们：{err}。",
            "我们的批量任务调用{at}{svc}报{err}。",
            "调用量和平时一样，{at}{svc}却返回{err}。",
            "{at}{svc}大量拒绝我们的请求（{err}），是调低了我们的额度吗？",
            "很多请求被{at}{svc}打回来，{err}。",
        ],
        "malformed_request": [
            "{at}{svc}拒绝我们的请求，返回{err}。",
            "你们最近上线之后，调用{at}{svc}就报{err}。",
            "之前正常的请求，现在{at}{svc}返回{err}。",
            "{at}{svc}不接受我们的调用：{err}，我们的代码没改。",
            "调用{at}{svc}提示{err}，接口是不是改了？",
        ],
        "payload_too_large": [
            "发往{at}{svc}的大请求都报{err}。",
            "通过{at}{svc}发大附件失败：{err}。",
            "{at}{svc}拒绝我们的上传，返回{err}。",
            "每月导出文件通过{at}{svc}上传时报{err}。",
            "{at}{svc}在我们发较大文件时返回{err}。",
        ],
        "client_network": [
            "我们的服务器连不上{at}{svc}，连接超时。",
            "连接{at}{svc}经常被重置，收不到任何响应。",
            "从我们机房访问{at}{svc}，TCP 建连超时。",
            "请求{at}{svc}一直卡住，没有任何返回。",
            "访问{at}{svc}时 TLS 握手失败或超时，DNS 解析也偶尔超时。",
        ],
        "client_bug": [
            "调用{at}{svc}之后我们的应用给用户提示失败，但操作看起来是成功的。",
            "我们发版之后，解析{at}{svc}的返回结果时服务崩溃。",
            "用户反馈确认步骤失败，正好是在我们调用{at}{svc}之后。",
            "控制台能看到调用记录，但我们这边显示报错，不知道{at}{svc}哪里有问题。",
            "我们对接{at}{svc}的功能不正常了，日志里是我们处理函数的异常。",
        ],
    },
}

# ---- details: what else they say ---------------------------------------------------------------------
# By group of kinds. No slots except {svc}.
DETAILS = {
    "en": {
        "platform": ["Retries don't help.", "Your status page shows everything green, which is not what we see.",
                     "Nothing changed on our side.", "We rolled back our last deploy just in case, no difference.",
                     "Other teams here see the same.", "Our on-call got paged for this."],
        "latency": ["Nothing changed on our side.", "Our timeouts are set to a few seconds, which was plenty until now.",
                    "We scaled up our workers, it didn't help.", "Traffic on our side is normal.",
                    "The requests do eventually succeed when we wait long enough."],
        "usage": ["We haven't changed anything.", "Nothing changed in our code.", "It worked fine before.",
                  "This is production, we did not deploy anything.", "Our staging environment seems fine though.",
                  "We double-checked our configuration."],
        "client_network": ["Other websites are reachable from the same hosts.", "We restarted the affected hosts.",
                           "Ping works but the HTTPS connections don't.", "It's only some of our servers."],
        "client_bug": ["Our dashboard in Atlas looks normal.", "We released a new version of our app recently.",
                       "We are not sure if this is on your side or ours.", "Our developers are looking too."],
    },
    "zh": {
        "platform": ["重试也没用。", "你们的状态页显示一切正常，但我们这边不是。", "我们这边没有任何改动。",
                     "我们已经回滚了上个版本，没有区别。", "公司其他团队也遇到了。"],
        "latency": ["我们这边没有改动。", "我们的超时设置是几秒，之前完全够用。", "我们加了机器也没用。",
                    "我们这边流量正常。", "等久一点请求最终是能成功的。"],
        "usage": ["我们什么都没改。", "代码没有变化。", "之前一直是好的。", "生产环境，最近没有发布。",
                  "测试环境好像没问题。", "配置我们检查过了。"],
        "client_network": ["同一台机器访问其他网站正常。", "我们重启了出问题的机器。", "ping 得通，但 HTTPS 连不上。",
                           "只是部分服务器有问题。"],
        "client_bug": ["Atlas 控制台看起来正常。", "我们最近发布了新版本。", "不确定是你们的问题还是我们的问题。",
                       "我们的开发也在排查。"],
    },
}

# ---- quoting the message on its own line ---------------------------------------------------------
QUOTE_SENTENCES = {
    "en": ['The response says: "{m}"', "Error detail: {m}{stop}", 'We get back: "{m}"', "Full message: {m}{stop}",
           'The body of the error response is "{m}".'],
    "zh": ["返回的错误信息：{m}{stop}", "报错内容是：“{m}”。", "错误详情：{m}{stop}", "接口返回：\"{m}\"。"],
}

# ---- time -----------------------------------------------------------------------------------------
# {when} is a hint of the right shape: "since" hints ("since 14:05", "for the past 20 minutes",
# "since this morning") or "at" hints ("at about 14:05", "20 minutes ago", "this morning").
TIME_SENTENCES = {
    "en": {
        "since": ["This has been going on {when}.", "It's been like this {when}.", "We've seen it {when}.",
                  "Broken {when}.", "Happening {when}."],
        "at": ["It started {when}.", "The first failures were {when}.", "We first noticed it {when}.",
               "It began {when}.", "First error on our side was {when}."],
    },
    "zh": {
        "since": ["{when}一直这样。", "{when}就出现这个问题了。", "{when}持续到现在。", "问题{when}一直存在。"],
        "at": ["{when}开始的。", "大概是{when}开始出现的。", "我们{when}发现的。", "最早一次报错是{when}。"],
        "for": ["已经{when}了。", "持续{when}了。", "这个问题已经{when}了。"],
    },
}

# ---- impact, asks, greetings, sign-offs ------------------------------------------------------------
IMPACT = {
    "en": {
        "calm": ["This affects part of our production traffic.", "Some of our users are affected.",
                 "It's not critical yet but we'd like to understand it.", "It's causing a few failed jobs."],
        "angry": ["This is unacceptable.", "We are losing money while this goes on!",
                  "This is the third time this month.", "Our customers are furious.",
                  "We pay for the enterprise plan and this is what we get?", "Completely blocking our business!!"],
    },
    "zh": {
        "calm": ["影响了我们部分线上流量。", "有一部分用户受到影响。", "暂时不算严重，但希望了解原因。",
                 "导致了一些任务失败。"],
        "angry": ["太影响业务了！", "我们一直在损失订单！", "这个月已经是第三次了。", "我们的客户都在投诉。",
                  "我们买的是企业版，就这服务？", "业务完全停摆了！！"],
    },
}
ASKS = {
    "en": {
        "calm": ["Could you please take a look?", "Can you check what's going on?", "Any idea what could cause this?",
                 "Please let us know if you need more details.", "Could you investigate?"],
        "angry": ["Fix it ASAP.", "Please escalate this immediately.", "We need an answer right now.",
                  "Someone needs to look at this NOW.", "Call us back as soon as possible."],
    },
    "zh": {
        "calm": ["麻烦帮忙看一下。", "请帮忙查一下原因。", "能帮忙排查一下吗？", "需要更多信息请告诉我们。"],
        "angry": ["请马上处理！", "请立刻升级处理！", "现在就需要答复。", "赶紧找人看一下！！"],
    },
}
GREETINGS = {
    "en": {"calm": ["Hi,", "Hello Atlas support,", "Hi team,", "Good day,", "Hello,"],
           "angry": ["Hello.", "Atlas support,", "Hi,"]},
    "zh": {"calm": ["您好，", "你好，", "Atlas 技术支持你好：", "您好："], "angry": ["你好，", "Atlas 客服："]},
}
SIGN_OFFS = {
    "en": {"calm": ["Thanks,", "Thanks in advance.", "Best regards,", "Cheers,", "Many thanks."],
           "angry": ["Regards.", "Waiting for your answer.", "-- platform team"]},
    "zh": {"calm": ["谢谢！", "多谢。", "辛苦了，谢谢。"], "angry": ["等你们回复。", "请尽快回复。"]},
}

# ---- resource and request id ------------------------------------------------------------------------
RESOURCE_SENTENCES = {
    "en": ["This is for our workspace {res}.", "Workspace: {res}.", "Affected workspace is {res}.",
           "It's the {res} workspace.", "We're calling it for {res}."],
    "zh": ["涉及的工作区：{res}。", "工作区是 {res}。", "出问题的是 {res} 这个工作区。", "工作区名：{res}。"],
}
REQUEST_ID_SENTENCES = {
    "en": ["Example failing request: {rid}.", "One of the request ids: {rid}.", "Request id {rid} for reference.",
           "See for example {rid}.", "rid: {rid}.", "A failed one: {rid}.", "(request {rid})"],
    "zh": ["失败的请求示例：{rid}。", "其中一个请求 ID：{rid}。", "请求 ID {rid} 可以参考。", "比如这个请求：{rid}。",
           "rid：{rid}。"],
}
# client_bug: the request went through, the customer quotes it as an example.
REQUEST_ID_SENTENCES_OK = {
    "en": ["One of the calls where our app failed afterwards: {rid}.", "For instance {rid}.",
           "Request id of one such call: {rid}."],
    "zh": ["其中一个调用的请求 ID：{rid}。", "比如 {rid} 这个请求。", "可以参考请求 {rid}。"],
}

# ---- follow-ups ---------------------------------------------------------------------------------
FOLLOW_UP_SUBJECT_PREFIXES = {
    "en": ["Re: ", "Still broken: ", "Follow-up: ", "Any update? ", "[{n} time asking] ", "AGAIN: "],
    "zh": ["回复：", "还是不行：", "跟进：", "有进展吗？", "第{n}次反馈："],
}
FOLLOW_UP_LEADS = {
    "en": ["Following up on my earlier ticket, still no answer.", "Writing again, this is still happening.",
           "This is my {n} message about this.", "Any update? The problem is still there.",
           "Still failing, nobody got back to us yet.", "Again the same issue."],
    "zh": ["跟进一下之前的工单，还没有回复。", "再反馈一次，问题还在。", "这是我第{n}次反馈了。", "有进展吗？问题还是存在。",
           "还是不行，一直没人回复。"],
}
ORDINALS = {"en": {1: "second", 2: "third", 3: "fourth"}, "zh": {1: "二", 2: "三", 3: "四"}}

# ---- typos ---------------------------------------------------------------------------------------------
# Chinese: a homophone or look-alike slip, (right, wrong).
ZH_SLIPS = [("已经", "以经"), ("登录", "登陆"), ("部署", "布署"), ("一直", "一只"), ("处理", "处里"),
            ("配置", "配制"), ("问题", "问提"), ("影响", "影向"), ("稍后", "稍候"), ("反馈", "反溃"),
            ("现在", "现再"), ("账号", "帐号")]
