"""Wording data for Harbor Cloud tickets (see wording.py for how it is used).

Everything here is plain data: phrase lists and ticket templates.  Templates are
str.format strings whose fields are the slots built in wording.py:

  {greet} {sign}            greeting / signature, with their own line breaks (may be empty)
  {svc} {svc_short}         how the customer names the service (long / subject-sized)
  {other_svc} {other_svc_short}  another service (the wrong suspect, or a second failing one)
  {region} {region_short}   the home region, never empty;  {region_in}: " in fra1" / "法兰克福" or empty
  {res} {res_kind}          the resource as a phrase ("our bucket acme-media"), its kind ("bucket")
  {res_name}                the bare resource name (template usable only when there is one)
  {ops} {biz}               what the customer does ("uploads") and the business it hurts
  {err}                     how the error is mentioned (quote, fragment, status, vague words, an error
                            from the customer's own app...)
  {status} {reason} {msg}   raw status / reason phrase / exact message (only when known)
  {since} {since_w} {time_sent}  time hint (adverbial / adverbial-or-"for a while" / sentence)
  {slow}                    a sentence describing slowness or hanging requests
  {rid_line} {rid}          the request id as a ready sentence, or raw (raw: only when known)
  {nth} {recap}             follow-ups: "second" / "第二次", and a short name for the problem

A field spelled with a capital first letter ({Svc}) gives the capitalised value.
A template uses at most one of the time slots.  Templates never state times:
the time slots are the only place where time is written, so honesty is checked
in one place.
"""

SERVICE_ORDER = ["vault", "relay", "transcode", "keyring"]

SERVICES = {
    "en": {
        "vault": {"long": ["Harbor Vault", "Vault", "your storage API", "the Vault API", "object storage",
                           "your object storage"],
                  "short": ["Vault", "Harbor Vault", "storage API", "object storage"]},
        "relay": {"long": ["Harbor Relay", "Relay", "your CDN", "the CDN", "the edge network"],
                  "short": ["Relay", "Harbor Relay", "CDN", "edge"]},
        "transcode": {"long": ["Harbor Transcode", "Transcode", "the transcoder", "your transcoding service",
                               "the transcode API"],
                      "short": ["Transcode", "Harbor Transcode", "transcoding", "transcoder"]},
        "keyring": {"long": ["Harbor Keyring", "Keyring", "the token endpoint", "your auth service",
                             "the auth/token endpoint"],
                    "short": ["Keyring", "Harbor Keyring", "auth", "token endpoint"]},
    },
    "zh": {
        "vault": {"long": ["对象存储", "Vault", "Harbor Vault", "存储服务", "你们的存储"],
                  "short": ["对象存储", "Vault", "存储"]},
        "relay": {"long": ["CDN", "Relay", "Harbor Relay", "你们的CDN", "CDN 节点"],
                  "short": ["CDN", "Relay", "加速域名"]},
        "transcode": {"long": ["转码服务", "转码", "Transcode", "Harbor Transcode", "媒体转码"],
                      "short": ["转码服务", "转码", "Transcode"]},
        "keyring": {"long": ["鉴权服务", "Keyring", "token 接口", "认证服务", "鉴权"],
                    "short": ["鉴权", "Keyring", "token 接口"]},
    },
}

REGIONS = {
    "en": {
        "nyc3": {"in": [" in nyc3", " in New York", " in US East", " in the NYC region", " in nyc3 (New York)"],
                 "noun": ["nyc3", "New York", "the New York region", "US East"],
                 "short": ["nyc3", "New York", "US East"]},
        "fra1": {"in": [" in fra1", " in Frankfurt", " in our EU region", " in the EU", " in fra1 (Frankfurt)"],
                 "noun": ["fra1", "Frankfurt", "the Frankfurt region", "our EU region"],
                 "short": ["fra1", "Frankfurt", "EU"]},
        "sgp1": {"in": [" in sgp1", " in Singapore", " in the Singapore region", " in APAC"],
                 "noun": ["sgp1", "Singapore", "the Singapore region"],
                 "short": ["sgp1", "Singapore", "SG"]},
    },
    "zh": {
        "nyc3": {"in": ["nyc3", "美东", "纽约", "纽约节点", "美国区"],
                 "noun": ["nyc3", "美东", "纽约节点", "美国区"], "short": ["nyc3", "美东", "纽约"]},
        "fra1": {"in": ["fra1", "法兰克福", "欧洲区", "德国节点", "法兰克福节点"],
                 "noun": ["fra1", "法兰克福", "欧洲区", "法兰克福节点"], "short": ["fra1", "法兰克福", "欧洲"]},
        "sgp1": {"in": ["sgp1", "新加坡", "新加坡节点", "新加坡区"],
                 "noun": ["sgp1", "新加坡", "新加坡节点", "新加坡区域"], "short": ["sgp1", "新加坡"]},
    },
}

# (forms with the name, phrase when the customer gives no name)
RESOURCES = {
    "en": {
        "vault": (["bucket {r}", "our bucket {r}", "the {r} bucket"], "our bucket"),
        "relay": (["{r}", "our domain {r}", "the {r} domain"], "our domain"),
        "transcode": (["pipeline {r}", "our {r} pipeline", "the {r} pipeline"], "our pipeline"),
        "keyring": (["{r}", "our app {r}"], "our app"),
    },
    "zh": {
        "vault": (["bucket {r}", "{r} 这个桶", "{r} 这个 bucket", "桶 {r}"], "我们的桶"),
        "relay": (["域名 {r}", "{r} 这个域名", "{r}"], "我们的域名"),
        "transcode": (["pipeline {r}", "{r} 这个 pipeline", "转码管道 {r}"], "我们的转码 pipeline"),
        "keyring": (["应用 {r}", "{r}"], "我们的应用"),
    },
}

RES_KIND = {
    "en": {"vault": "bucket", "relay": "domain", "transcode": "pipeline", "keyring": "app"},
    "zh": {"vault": "桶", "relay": "域名", "transcode": "pipeline", "keyring": "应用"},
}

OPS = {
    "en": {
        "vault": ["uploads", "downloads", "PUT requests", "requests to the bucket", "multipart uploads"],
        "relay": ["image requests", "requests for static assets", "page loads", "asset requests"],
        "transcode": ["encode jobs", "transcode jobs", "job submissions", "rendition jobs"],
        "keyring": ["token requests", "calls to the token endpoint", "authenticated calls", "OAuth token requests"],
    },
    "zh": {
        "vault": ["上传", "下载", "PUT 请求", "读写请求", "分片上传"],
        "relay": ["图片加载", "静态资源请求", "页面资源加载", "CDN 请求"],
        "transcode": ["转码任务", "提交转码 job", "转码请求"],
        "keyring": ["获取 token", "token 接口调用", "登录鉴权", "OAuth 换 token"],
    },
}

BUSINESS = {
    "en": {
        "vault": ["our photo upload feature", "the nightly backup job", "our checkout page", "our mobile app",
                  "the customer portal"],
        "relay": ["our storefront", "our checkout page", "the marketing site", "our mobile app"],
        "transcode": ["our video-on-demand service", "our course platform", "the podcast publishing flow",
                      "our live replay feature"],
        "keyring": ["our login flow", "the mobile app sign-in", "our whole backend", "our partner API"],
    },
    "zh": {
        "vault": ["我们的直播业务", "商城的商品图", "用户头像上传", "每晚的备份任务", "我们的 App"],
        "relay": ["官网", "商城首页", "我们的 App", "活动页"],
        "transcode": ["我们的直播回放", "点播业务", "课程视频上线", "短视频发布"],
        "keyring": ["用户登录", "我们的 App 登录", "整个后台", "支付回调"],
    },
}

REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
    413: "Payload Too Large", 421: "Misdirected Request", 429: "Too Many Requests",
    499: "Client Closed Request", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}

# How the error is mentioned; {m} exact message, {f} fragment, {s} status, {reason} its phrase,
# {a} an error of the customer's own app (APP_ERRORS).
ERROR_FORMS = {
    "en": {
        "exact": ['the error "{m}"', '"{m}"', 'this error: "{m}"', 'responses saying "{m}"'],
        "fragment": ['something like "{f}"', 'an error with "{f}" in it', 'errors saying "...{f}..."',
                     '"{f}..." errors'],
        "status": ["{s} errors", "HTTP {s}", "a {s}", "{s} {reason}", "lots of {s}s"],
        "both": ['HTTP {s} "{m}"', 'a {s} with "{m}"', '{s} {reason} ("{m}")', '{s}s saying "{m}"'],
        "none": ["errors", "failures", "error responses"],
        "app": ['the error "{a}"', '"{a}"', 'errors like "{a}"', 'exceptions saying "{a}"'],
    },
    "zh": {
        "exact": ["“{m}”", '"{m}"', "这个错：{m}"],
        "fragment": ["“{f}”之类的错误", '"{f}..."', "什么“{f}”"],
        "status": ["{s}", "{s} 错误", "HTTP {s}", "{s} {reason}"],
        "both": ["{s}，信息是“{m}”", "{s}（{m}）", 'HTTP {s} "{m}"'],
        "none": ["错误"],
        "app": ["“{a}”", '"{a}"', "“{a}”的错误"],
    },
}

PARAPHRASE = {
    "en": {
        "regional_outage": ["errors saying the service is unavailable", "some kind of upstream error"],
        "dependency_failure": ["errors about a backend being unavailable", "gateway errors"],
        "node_failure": ["an error about the upstream connection being reset", "a bad gateway kind of error"],
        "gray_failure": ["an internal error", "a generic server error"],
        "latency_degradation": ["a message that our client hung up", "a timeout"],
        "expired_token": ["an error saying our token has expired", "a message that the token is expired"],
        "signature_mismatch": ["an error that the signature doesn't match", "something saying our signature is wrong"],
        "access_denied": ["an error saying we don't have permission", "an access denied message"],
        "wrong_region": ["an error telling us to use another region's endpoint",
                         "a message that the bucket lives in a different region"],
        "bucket_not_found": ["an error saying the bucket does not exist", "a no-such-bucket kind of message"],
        "object_not_found": ["an error that the object doesn't exist", "a not found message"],
        "quota_exceeded": ["an error saying we exceeded the rate limit", "a rate limit message"],
        "malformed_request": ["an error saying the request is invalid", "a message that the request is malformed"],
        "payload_too_large": ["an error that the upload is too large", "a message about a size limit"],
        "client_network": ["a timeout"],
        "client_bug": ["an error that our code can't parse the response", "errors about corrupted data"],
    },
    "zh": {
        "regional_outage": ["服务不可用之类的错误", "upstream 相关的错误"],
        "dependency_failure": ["上游服务不可用的错误", "网关错误"],
        "node_failure": ["连接被重置之类的错误", "bad gateway 的错"],
        "gray_failure": ["内部错误", "服务端错误"],
        "latency_degradation": ["客户端关闭连接的错误", "超时"],
        "expired_token": ["token 过期的错误", "token 已过期"],
        "signature_mismatch": ["签名不匹配的错误", "签名错误"],
        "access_denied": ["没有权限的错误", "权限不足"],
        "wrong_region": ["让我们换区域 endpoint 的错误", "region 不对的错误"],
        "bucket_not_found": ["bucket 不存在的错误", "找不到 bucket"],
        "object_not_found": ["文件不存在的错误", "找不到对象"],
        "quota_exceeded": ["超过频率限制的错误", "限流错误"],
        "malformed_request": ["请求格式不对的错误", "参数错误"],
        "payload_too_large": ["文件太大的错误", "超过大小限制"],
        "client_network": ["超时"],
        "client_bug": ["数据解析失败的错误", "返回内容异常的错误"],
    },
}

VAGUE = {
    "en": {
        "regional_outage": ["server errors", "5xx errors", "some server error"],
        "dependency_failure": ["5xx errors", "gateway errors"],
        "node_failure": ["random server errors", "errors"],
        "gray_failure": ["the odd server error", "sporadic errors"],
        "latency_degradation": ["timeouts", "slow responses"],
        "expired_token": ["auth errors", "unauthorized errors"],
        "signature_mismatch": ["signature errors", "auth errors"],
        "access_denied": ["permission errors", "access errors"],
        "wrong_region": ["some error about the region", "a weird region error"],
        "bucket_not_found": ["a not found error", "errors saying it's not there"],
        "object_not_found": ["not found errors", "missing file errors"],
        "quota_exceeded": ["throttling errors", "rate limit errors"],
        "malformed_request": ["bad request errors", "validation errors"],
        "payload_too_large": ["size errors", "upload errors"],
        "client_network": ["timeouts", "connection errors"],
        "client_bug": ["weird errors", "all sorts of errors", "garbled responses"],
    },
    "zh": {
        "regional_outage": ["5xx", "各种服务端错误"],
        "dependency_failure": ["5xx", "网关错误"],
        "node_failure": ["服务端错误", "各种错误"],
        "gray_failure": ["服务端错误", "零星的错误"],
        "latency_degradation": ["超时", "timeout"],
        "expired_token": ["鉴权错误", "认证失败"],
        "signature_mismatch": ["签名错误", "鉴权错误"],
        "access_denied": ["权限错误", "没权限"],
        "wrong_region": ["跟 region 有关的错误", "区域错误"],
        "bucket_not_found": ["not found", "找不到"],
        "object_not_found": ["not found", "文件找不到"],
        "quota_exceeded": ["限流", "频率限制的错"],
        "malformed_request": ["参数错误", "bad request"],
        "payload_too_large": ["上传错误", "文件大小的错"],
        "client_network": ["超时", "连接超时"],
        "client_bug": ["各种奇怪的错误", "数据格式错误"],
    },
}

# {err} for kinds where nothing failed on Harbor's side (every request got a 2xx): the customer quotes
# what its own app says.  Never a status or a Harbor message, and no times or day words.
APP_ERRORS = {
    "en": {"client_bug": {
        "vault": ["ChecksumError: downloaded file does not match the local hash", "Upload failed: file is corrupted",
                  "TypeError: Cannot read properties of undefined (reading 'ETag')"],
        "relay": ["Uncaught SyntaxError: Unexpected token '<'", "ChunkLoadError: Loading chunk app failed",
                  "Failed to load image"],
        "transcode": ["KeyError: 'renditions'", "PlayerError: MEDIA_ERR_SRC_NOT_SUPPORTED",
                      "NullPointerException in JobStatusPoller"],
        "keyring": ["TokenParseError: Unexpected end of JSON input", "Session expired, please log in again",
                    "AttributeError: 'NoneType' object has no attribute 'access_token'"]}},
    "zh": {"client_bug": {
        "vault": ["上传失败，请重试", "文件已损坏，无法打开", "TypeError: Cannot read properties of undefined (reading 'ETag')"],
        "relay": ["图片加载失败", "网络异常，请稍后重试", "Uncaught SyntaxError: Unexpected token '<'"],
        "transcode": ["视频无法播放", "解析转码结果失败", "KeyError: 'renditions'"],
        "keyring": ["登录失败，请稍后重试", "获取用户信息失败", "AttributeError: 'NoneType' object has no attribute 'access_token'"]}},
}

# {err} when there is neither a status nor a message: the customer only sees slowness.
SLOW_ERR = {
    "en": {
        "latency_degradation": ["timeouts on our side", "really slow responses", "requests that take 20-30 seconds",
                                "client timeouts"],
        "client_network": ["connection timeouts", "requests that just hang", "timeouts with no response at all",
                           "hanging connections"],
        "default": ["timeouts", "requests that never finish"],
    },
    "zh": {
        "latency_degradation": ["超时", "timeout", "请求超时"],
        "client_network": ["连接超时", "timeout", "connection timed out"],
        "default": ["超时", "timeout"],
    },
}

# {slow}: a sentence about slowness / hanging connections.
SLOW = {
    "en": {
        "latency_degradation": ["Calls that normally take a few hundred ms are taking 10-30 seconds.",
                                "Our p95 went from under a second to around 20 seconds.",
                                "Some requests take 30+ seconds, a few time out completely.",
                                "The app just shows a spinner for ages.",
                                "Things still work, they're just painfully slow."],
        "default": ["Connections just hang and eventually time out.",
                    "curl sits there for a long time and then gives up with a timeout.",
                    "Uploads start and then stall, no response at all.",
                    "We don't even get an error code back, the request just times out.",
                    "Sometimes the TCP connection doesn't even get established."],
    },
    "zh": {
        "latency_degradation": ["平时几百毫秒的请求现在要十几二十秒。", "p95 从不到一秒涨到了二十秒左右。",
                                "有的请求要三十多秒，有的直接超时。", "页面一直在转圈。", "功能都正常，就是慢得不行。"],
        "default": ["连接一直挂着，最后超时。", "curl 卡很久最后 timeout。", "上传开始没多久就卡住了，什么返回都没有。",
                    "连个错误码都没有，就是超时。", "有时候 TCP 连接都建立不起来。"],
    },
}

GREETINGS = {
    "en": ["", "", "", "Hi,\n\n", "Hello,\n\n", "Hi team,\n\n", "Hello Harbor support,\n\n", "Hey folks,\n\n",
           "Dear Support Team,\n\n"],
    "zh": ["", "", "", "你好，\n", "您好，\n", "你好，", "hi，", "你们好，\n", "Hello，"],
}
MORNING_GREETING = {"en": "Good morning,\n\n", "zh": "早上好，\n"}

SIGNOFFS = {
    "en": ["", "", "", "\n\nThanks,\n{name}", "\n\nThanks", "\n\nBest regards,\n{name}", "\n\nCheers,\n{name}",
           "\n\nRegards,\n{name}\nPlatform team", "\n\nSent from my iPhone"],
    "zh": ["", "", "", "\n\n谢谢！", "\n\n辛苦了，谢谢", "\n\n急，麻烦尽快回复", "\n\n——{name}", "\n\n谢谢\n{name}"],
}

# Names by where the customer's clock is: "us" (negative offset), "eu", "asia".
NAMES = {
    "en": {"us": ["Mike", "Jessica Park", "Dan", "Priya S.", "Tom (DevOps)"],
           "eu": ["Jonas", "Katrin Vogel", "Lukas", "Sophie M.", "Marco"],
           "asia": ["Wei Ming", "Raj", "Li Na"]},
    "zh": {"us": ["小王", "Kevin"], "eu": ["小刘", "张工"], "asia": ["小王", "张工", "老李", "运维小陈", "Kevin"]},
}

RID_LINES = {
    "en": ["\n\nRequest ID: {rid}", "\n\nExample request id: {rid}", "\n\nx-request-id: {rid}",
           " One of the failing requests: {rid}.", " (request id {rid})", "\n\nTrace: {rid}",
           "\n\nHere's a request id from one of the failures: {rid}", "\n\nreq id {rid} if that helps"],
    "zh": ["\n请求ID：{rid}", "\n\nrequest id: {rid}", "\nx-request-id：{rid}", "\n其中一个失败请求的 ID 是 {rid}。",
           "\ntrace id：{rid}，麻烦帮忙查下日志。", "\n请求ID {rid}"],
}

ORDINALS = {
    "en": ["first", "second", "third", "fourth", "fifth", "sixth"],
    "zh": ["第一次", "第二次", "第三次", "第四次", "第五次", "第六次"],
}

# ---- time wording -------------------------------------------------------------------------------

TZ_LABELS = {
    "en": {-300: ["ET", "EST", "Eastern", "New York time"], 60: ["CET", "UTC+1", "Frankfurt time"],
           480: ["SGT", "UTC+8", "Singapore time"]},
    "zh": {480: ["北京时间", "北京时间", "新加坡时间"], -300: ["美东时间"], 60: ["德国时间", "欧洲中部时间"]},
}

# English clock phrases by how many days back the start is; {c} clock, {wd} weekday, {date} "Dec 2".
CLOCK_EN = {
    "today": {"since": [" since {c}", " since about {c}", " since around {c}", " from about {c} onwards"],
              "sent": [" It started around {c}.", " First failures were at about {c}.",
                       " We first noticed it at around {c}.", " Started roughly at {c}."]},
    "yesterday": {"since": [" since yesterday {c}", " since {c} yesterday", " since yesterday at around {c}"],
                  "sent": [" It started yesterday around {c}.", " First failures were yesterday at about {c}."]},
    "weekday": {"since": [" since {wd} {c}", " since {wd} around {c}"],
                "sent": [" It started on {wd} at around {c}."]},
    "date": {"since": [" since {date}, around {c}"], "sent": [" It started on {date} at around {c}."]},
}
# Chinese clock phrases; the day ("昨天", "周二") is part of {c} already.
CLOCK_ZH = {"since": ["从{c}开始", "{c}左右开始", "大概从{c}起", "{c}开始"],
            "sent": ["大概是{c}开始的。", "{c}左右开始出现的。", "第一次报错是在{c}左右。"]}

WEEKDAYS = {"en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "zh": ["一", "二", "三", "四", "五", "六", "日"]}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Relative hints: (from minutes, below minutes, adverbials, sentences).  Every phrase is true for
# any elapsed time in its range: {n} is the elapsed minutes floored to 5, {h} whole hours floored,
# {d} whole days floored, {tens} (zh) the minutes floored to ten, {hcn} (zh) hours in Chinese.
RELATIVE = {
    "en": [
        (0, 10, [" for the last few minutes"], [" It started a few minutes ago.", " It only just started."]),
        (10, 60, [" for the past {n} minutes", " for about {n} minutes now"], [" It started about {n} minutes ago."]),
        (26, 36, [" for about half an hour"], [" It started about half an hour ago."]),
        (31, 60, [" for over half an hour"], []),
        (50, 60, [" for almost an hour"], [" It's been going on for almost an hour."]),
        (55, 66, [" for about an hour"], [" It started about an hour ago."]),
        (60, 120, [" for over an hour", " for more than an hour"],
         [" It started over an hour ago.", " It's been going on for more than an hour."]),
        (120, 1440, [" for over {h} hours", " for more than {h} hours"], [" It started more than {h} hours ago."]),
        (1440, 2880, [" for over a day", " for more than 24 hours"], [" It started more than a day ago."]),
        (2880, 10080, [" for over {d} days", " for days now"], [" It's been going on for more than {d} days."]),
        (10080, 10 ** 9, [" for over a week", " for more than a week now"], [" It's been going on for over a week."]),
    ],
    "zh": [
        (0, 10, ["刚才开始", "刚刚开始"], ["刚刚开始的。", "就这几分钟的事。"]),
        (10, 20, ["这十几分钟"], ["已经十几分钟了。"]),
        (21, 60, ["这{tens}多分钟"], ["已经{tens}多分钟了。"]),
        (31, 60, ["这半个多小时"], ["已经半个多小时了。", "半个多小时了。"]),
        (50, 60, [], ["快一个小时了。"]),
        (61, 120, ["这一个多小时"], ["已经一个多小时了。", "持续一个多小时了。"]),
        (121, 1440, ["这{hcn}个多小时"], ["已经{hcn}个多小时了。"]),
        (1441, 2880, ["这一天多"], ["已经一天多了。"]),
        (2880, 10080, ["这几天"], ["已经好几天了。"]),
        (10080, 10 ** 9, ["这一个多星期"], ["已经一个多星期了。"]),
    ],
}
# Extra hour phrases that depend on the remainder: (max remainder / min remainder, adverbial).
ABOUT_HOURS_EN = " for about {h} hours"       # only when at most 5 minutes past a whole hour
ALMOST_HOURS_EN = " for almost {h1} hours"    # only when at least 45 minutes past a whole hour

# Day parts.  English: by hour -> word; Chinese periods: also used to write 12-hour clocks.
DAY_PARTS_EN = [(5, "morning"), (12, "afternoon"), (18, "evening"), (23, "night")]   # before 5: night
ZH_PERIODS = [(0, "凌晨"), (5, "早上"), (9, "上午"), (12, "中午"), (13, "下午"), (18, "晚上")]

VAGUE_EN = {
    "today": {"since": [" since this {part}"], "sent": [" It started this {part}."]},
    "today_night": {"since": [" since early this morning", " since last night"],
                    "sent": [" It started during the night."]},
    "earlier": {"since": [" since earlier today"], "sent": [" It started earlier today."]},
    "last_night": {"since": [" since last night"], "sent": [" It started last night."]},
    "yesterday": {"since": [" since yesterday {part}", " since yesterday"], "sent": [" It started yesterday {part}."]},
    "weekday": {"since": [" since {wd}", " since {wd} {part}"], "sent": [" It started on {wd}."]},
}
VAGUE_ZH = {"since": ["从{x}开始", "{x}开始", "{x}就"], "sent": ["{x}开始的。", "{x}就开始了。"]}

# ---- typos ----------------------------------------------------------------------------------------

# Words a typo must never touch even though they look like plain words.
TYPO_SAFE = ["vault", "relay", "transcode", "keyring", "harbor", "https", "http", "zero", "three", "four", "five",
             "seven", "eight", "nine", "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred",
             "thousand", "half", "once", "twice"]

# Common pinyin-input slips: (right, wrong).
ZH_SLIPS = [("影响", "影像"), ("一直", "一只"), ("尽快", "进快"), ("应该", "因该"), ("配置", "配制"),
            ("已经", "以经"), ("登录", "登陆"), ("问题", "问提"), ("以为", "已为"), ("确认", "确任"),
            ("现在", "现再"), ("麻烦", "麻繁")]

# ---- ticket templates: English ----------------------------------------------------------------------

SUBJECTS_EN = {
    "regional_outage": [
        "{Svc_short} down{region_in}?",
        "URGENT: everything{region_in} returning {status}",
        "Production down - {svc_short} errors",
        "Is there an outage on {svc_short}?",
        "{status} on every request to {svc_short}",
        "Major outage? Nothing works{region_in}",
    ],
    "dependency_failure": [
        "Multiple services failing: {svc_short} and {other_svc_short}",
        "{status} from several Harbor services at once",
        "{Svc_short} AND {other_svc_short} both erroring",
        "Widespread errors across Harbor APIs",
        "Is something shared broken? Several services down",
    ],
    "node_failure": [
        "Intermittent {status} errors on {svc_short}",
        "Some {ops} failing randomly{region_in}",
        "{Svc_short}: every few requests fail",
        "Flaky {svc_short} - {status} on some requests",
        "Random {status}s, retries succeed",
    ],
    "gray_failure": [
        "Occasional {status} errors from {svc_short}",
        "Low rate of failures on {svc_short}",
        "Rare but persistent errors{region_in}",
        "About 1% of {ops} failing",
        "Sporadic {status}s - not an outage but annoying",
    ],
    "latency_degradation": [
        "{Svc_short} extremely slow",
        "Very high latency on {svc_short}{region_in}",
        "Requests taking forever",
        "Slow responses - timeouts in our app",
        "Performance degradation on {svc_short}?",
    ],
    "expired_token": [
        "Sudden {status} on all {ops}",
        "Auth broken? Our tokens stopped working",
        "{Svc_short} rejecting valid credentials",
        "Keyring issue? Getting unauthorized everywhere",
        "Your token endpoint broke our integration",
    ],
    "signature_mismatch": [
        "{status} on signed requests",
        "Signature errors on {svc_short}",
        "Requests to {svc_short} rejected - nothing changed",
        "Forbidden on every upload, keys are correct",
        "Request signing broken after your update?",
    ],
    "access_denied": [
        "Access denied with a full-permission key",
        "{status} on {res_name}",
        "Permission errors on {svc_short}",
        "Our API key suddenly lost access?",
        "Can't access our own {res_kind}",
    ],
    "wrong_region": [
        "{status} {reason} from {svc_short}",
        "Weird region error on {res_name}",
        "Requests to {region_short} failing",
        "{Svc_short} says our {res_kind} is in another region?",
        "Error mentions a different region - we only use {region_short}",
    ],
    "bucket_not_found": [
        "Our bucket disappeared??",
        "{res_name} returns {status}",
        "Bucket not found - did you delete our data?",
        "URGENT: {svc_short} can't find our bucket",
        "{status} on a bucket that definitely exists",
    ],
    "object_not_found": [
        "Files missing from {res_name}",
        "Uploaded files return {status}",
        "Objects disappearing from {svc_short}?",
        "Images on our site are broken ({status})",
        "Data loss? Can't download our files",
    ],
    "quota_exceeded": [
        "{status} {reason} on {svc_short}",
        "Being throttled for no reason",
        "Rate limit errors on {svc_short}",
        "Please raise our limit ASAP",
        "Throttling is breaking {biz}",
    ],
    "malformed_request": [
        "{status} {reason} on requests that used to work",
        "API rejecting our {ops}",
        "Did you change something in {svc_short}?",
        "Breaking change in {svc_short}?",
        "Bad request errors since your update",
    ],
    "payload_too_large": [
        "Uploads failing with {status}",
        "Large uploads rejected by {svc_short}",
        "Can't upload our bigger files anymore",
        "Upload limit? Big files fail",
        "{status} {reason} on {svc_short}",
    ],
    "client_network": [
        "{Svc_short} not responding",
        "Connections to {svc_short} time out",
        "Requests hanging{region_in}",
        "Timeouts, no response at all",
        "Is {svc_short} down? Can't connect",
    ],
    "client_bug": [
        "Your API started returning garbage",
        "Our {ops} broke after your update",
        "Errors in our app - did {svc_short} change something?",
        "Broken responses from {svc_short}{region_in}?",
        "Users see errors - is {svc_short} OK?",
    ],
}

BODIES_EN = {
    "regional_outage": [
        "{greet}{Svc} has been failing for us{region_in}{since}. Basically every request comes back with {err}. "
        "{Biz} is completely down right now.{rid_line}\n\nIs there an incident on your side? Your status page "
        "says all green.{sign}",
        "URGENT\n\nAll {ops} for {res} are failing with {err}{since}. Nothing changed on our side, no deploys "
        "today. Please look at this ASAP, we are losing orders.{rid_line}{sign}",
        "{greet}We're seeing a full outage of {svc}{region_in}:\n\n- almost every request fails with {err}\n"
        "- retries don't help\n- nothing was deployed on our side\n{time_sent}{rid_line}\n\n"
        "Please confirm whether this is a known incident.{sign}",
        "This is the second outage this quarter. {Svc} is down again{since} and we're getting {err} on pretty "
        "much everything. We pay for the business plan, I expect at least a status page update.{rid_line}",
        "{greet}Not sure if this is on you or us. Our {ops} have been failing{since} with {err}. At first we "
        "thought our own deploy broke something and rolled back, but it's still failing, so I'm guessing it's "
        "on your end.{rid_line}{sign}",
        "{greet}I think {other_svc} is broken - our {ops} fail with {err}{since} and my guess is that token "
        "validation in front of {svc} is down. Can you check? {Biz} depends on it.{rid_line}{sign}",
        "{Svc}{region_in} is down for us{since}, all {ops} fail. Please check.{rid_line}",
    ],
    "dependency_failure": [
        "{greet}It's not just one service: {svc} and {other_svc} are both returning {err}{since}. Looks like "
        "something shared between them is broken.{rid_line}{sign}",
        "{greet}Our {ops} fail with {err}, and our calls to {other_svc} are failing too.{time_sent} {Biz} is "
        "down. Is there a wider incident?{rid_line}{sign}",
        "{greet}Seeing errors on more than one of your services{region_in}:\n\n- {svc}: {err}\n"
        "- {other_svc}: timeouts and errors as well\n- our own services look healthy\n{rid_line}\n\n"
        "Please advise.{sign}",
        "{greet}We first thought our integration with {other_svc} was broken, but {svc} is failing too with "
        "{err}{since}. Did you push a bad config? Seems like half your platform is down.{rid_line}{sign}",
        "Several of your services are down{region_in}{since}. {Svc} gives {err}. Fix it please.{rid_line}",
        "{greet}We run {biz} on top of {svc} and {other_svc}. Both have been failing{since}: {ops} get {err}, "
        "and calls to {other_svc} time out or fail too. Our monitoring shows nothing wrong on our side."
        "{rid_line}\n\nCould you let us know if there's an incident and an ETA?{sign}",
    ],
    "node_failure": [
        "{greet}A good chunk of our {ops} are failing with {err}{since}, but not all of them - if we retry, "
        "it usually works. Feels like one of your servers is bad.{rid_line}{sign}",
        "{greet}We're seeing intermittent failures on {svc}{region_in}. Some requests come back with {err}, "
        "the rest are fine.{time_sent}{rid_line}\n\nCould you check if one of your nodes is unhealthy?{sign}",
        "{greet}Details:\n- service: {svc}\n- region: {region}\n- error: {err}\n- frequency: some requests, "
        "not all\n- retries: usually succeed{rid_line}{sign}",
        "{greet}Every so often a request to {svc} fails with {err}. We thought it was our load balancer at first and "
        "restarted it, didn't help. Some requests work, some don't, seemingly at random.{time_sent}"
        "{rid_line}{sign}",
        "{Svc} is flaky{since}. Our logs are full of random failures ({err}). Users of {biz} are seeing "
        "broken pages. "
        "What is going on?{rid_line}",
        "{greet}Is anything wrong with {svc}{region_in}? Getting {err} on a fair share of {ops}{since}."
        "{rid_line}{sign}",
    ],
    "gray_failure": [
        "{greet}This isn't an outage, but a small fraction of our {ops} - maybe 1 in 100 - fail with {err}. "
        "It's been like this{since_w}. Retries fix it, but our error budget is burning.{rid_line}{sign}",
        "{greet}We've been seeing a low but steady error rate on {svc}{region_in}{since_w}. Around 1% of "
        "requests get {err}; everything else is fine. Is this a known issue?{rid_line}{sign}",
        "{greet}Summary:\n- ~1% of {ops} fail with {err}\n- the other 99% succeed normally\n- no pattern in "
        "size, time of day or client\n- ongoing{since_w}{rid_line}\n\nCould you take a look?{sign}",
        "{greet}Every now and then a call to {svc} fails with {err}. We suspected our own HTTP client and "
        "upgraded it, no change. "
        "Maybe one request in a hundred. Could a single server on your side be misbehaving?{rid_line}{sign}",
        "A small but steady share of requests to {svc} fail with {err}{since_w}. Not urgent, but please take "
        "a look.{rid_line}",
        "{greet}{Biz} logs every failed call to {svc}, and the error rate is higher than normal{since_w}: "
        "roughly 1% of calls come back with {err}. That's small, but it used to be basically zero. Any known "
        "issue?{rid_line}{sign}",
    ],
    "latency_degradation": [
        "{greet}{Svc} has been really slow{since}. {slow} No errors as such, but {biz} is timing out."
        "{rid_line}{sign}",
        "{greet}Latency on {ops}{region_in} is terrible{since}. {slow}{rid_line}\n\nDid something change on "
        "your side?{sign}",
        "{greet}What we see:\n- {ops} are 10x slower than usual\n- our client gives up and we see {err}\n"
        "- nothing changed in our code\n{time_sent}{rid_line}{sign}",
        "{greet}Our {ops} got really slow{since}. We first blamed our own network and switched office lines, "
        "same thing. {slow} Is {other_svc} slow too, or just {svc}?{rid_line}{sign}",
        "{Svc} is crawling{since}. {slow} Please fix.{rid_line}",
        "{greet}Is there a performance issue with {svc}{region_in}? {slow} We're seeing {err} on some calls."
        "{time_sent}{rid_line}{sign}",
    ],
    "expired_token": [
        "{greet}All our {ops} suddenly fail with {err}{since}. We haven't changed anything in our "
        "credentials. Did you rotate something on your side?{rid_line}{sign}",
        "{greet}I think Harbor Keyring is having problems. Our service authenticates fine at startup, but "
        "after a while every call to {svc} returns {err}. Restarting the service fixes it for a bit."
        "{time_sent}{rid_line}{sign}",
        "Nothing works. {Svc} rejects our token with {err}{since}. {Biz} is down. This is your bug, our token "
        "is valid!{rid_line}",
        "{greet}Issue: authentication failures\n- affected: {ops}{region_in}\n- response: {err}\n- our side: "
        "same token as always, no config change\n{time_sent}{rid_line}\n\nPlease check your auth service.{sign}",
        "{greet}Why is {svc} returning {err}? It worked fine before.{rid_line}{sign}",
        '{greet}Our {ops} keep failing{since}. This is the exact response:\n\n"{msg}"\n\nThe token was issued '
        "by your own endpoint, so how can it be wrong?{rid_line}{sign}",
    ],
    "signature_mismatch": [
        "{greet}Our signed {ops} are being rejected with {err}{since}. The keys are correct, we double-checked "
        "them in the console.{rid_line}\n\nDid you change how signatures are validated?{sign}",
        "{greet}Getting {err} from {svc}{region_in}. We generate presigned URLs the same way we always did. "
        "Did you change something?{time_sent}{rid_line}{sign}",
        "{greet}We think your clocks are off. {Ops} fail with {err}{since} and the only thing we can think of "
        "is a time skew on your servers.{rid_line}{sign}",
        "{greet}Environment:\n- signing: our own code, no changes for months\n- endpoint: {svc}{region_in}\n"
        "- result: {err}\n{time_sent}{rid_line}{sign}",
        "Every request we sign is rejected with {err}. This worked for months. Fix your signature "
        "validation.{rid_line}",
        "{greet}Here is the response we get from {svc}:\n\n> {status} {msg}\n\nWe've checked the secret three "
        "times. What are we missing?{rid_line}{sign}",
    ],
    "access_denied": [
        "{greet}We're getting {err} when accessing {res}{since}. The key we use is an admin key, it has access "
        "to everything. Please check your permission system.{rid_line}{sign}",
        "{greet}Our {ops} on {svc} return {err}. The same key works for listing, so it's definitely valid. "
        "Is there an issue with permissions on your side?{time_sent}{rid_line}{sign}",
        "{greet}I think {other_svc} is handing out broken tokens - {svc} returns {err} for {res} even though "
        "the key has all permissions in the console.{rid_line}{sign}",
        "Why is {svc} denying access to our OWN {res_kind}?? We get {err} on everything{since}.{rid_line}",
        "{greet}- what: {ops} on {res}\n- response: {err}\n- key: same key as last week, nothing changed\n"
        "- region: {region}{rid_line}{sign}",
        "{greet}{Biz} can't load anything from {res}{since} - all we get is {err}. Nobody on our team touched "
        "the permissions. Could you check if a policy changed on your end?{rid_line}{sign}",
    ],
    "wrong_region": [
        "{greet}Our {ops} to {res} fail with {err}{since}. We only ever used {region}, so I don't understand "
        "why it's talking about another region. Did you move our data?{rid_line}{sign}",
        "{greet}Getting {err} from {svc}. Our config points at {region} like it always has.{time_sent}"
        "{rid_line}\n\nIs there a migration going on?{sign}",
        "{greet}I think your DNS is broken: requests to {svc} in {region} come back with {err}. Maybe your "
        "load balancer is sending us to the wrong place?{rid_line}{sign}",
        '{greet}This is what we get:\n\n{status} - "{msg}"\n\nBut {res} is in {region}, we created it there. '
        "What's going on?{rid_line}{sign}",
        "{Svc} keeps saying something about the region{since}. We're in {region}. Help?{rid_line}",
        "{greet}Problem: {err}\n- endpoint: {region}\n- target: {res}\n- nothing changed on our side\n"
        "{time_sent}{rid_line}{sign}",
    ],
    "bucket_not_found": [
        "{greet}{Svc} suddenly says {res} doesn't exist{since}. We're getting {err} on every request. We have "
        "years of data in there! Please tell me you didn't delete it.{rid_line}{sign}",
        "{greet}All {ops} fail with {err}. The bucket is right there in our config and it worked before."
        "{time_sent} Did something happen to {res}{region_in}?{rid_line}{sign}",
        "WHERE IS OUR BUCKET. {Svc} returns {err}{since} and {biz} is broken. Call me.{rid_line}",
        "{greet}I think your metadata service is out of sync - {res} is clearly there, we uploaded to it "
        "recently, but every request gets {err}.{rid_line}{sign}",
        "{greet}- {res_kind}: {res}\n- region: {region}\n- error: {err}\n- we did not delete anything\n"
        "{time_sent}{rid_line}\n\nPlease investigate urgently.{sign}",
        "{greet}Is there an issue with {svc}{region_in}? Getting {err} for {res}.{rid_line}{sign}",
    ],
    "object_not_found": [
        "{greet}Files we uploaded to {res} have been returning {err} on download{since}. The upload "
        "succeeded, we got a 200 back! Where did they go?{rid_line}{sign}",
        "{greet}Some images on {biz} are broken - the URLs give {err}. They were there before.{time_sent}"
        "{rid_line}\n\nAre you losing data?{sign}",
        "{greet}I think {other_svc} is caching something wrong: our files come back with {err} even though "
        "they should be in {res}.{rid_line}{sign}",
        "{greet}Objects we can't read:\n- location: {res}\n- error: {err}\n- uploaded: yes, we have the upload "
        "logs\n{time_sent}{rid_line}{sign}",
        "Your storage is losing our files. {Ops} return {err}{since}. This is unacceptable for a storage "
        "product.{rid_line}",
        "{greet}Quick question: we're getting {err} for a few objects in {res}. Is there any delay between "
        "upload and availability? It seems to happen mostly for new files.{rid_line}{sign}",
    ],
    "quota_exceeded": [
        "{greet}We're being throttled by {svc}{since}: a lot of {ops} get {err}. Our traffic is normal for "
        "this time of day. Did you lower our limits?{rid_line}{sign}",
        "{greet}{Biz} runs a batch job against {svc} and it keeps failing with {err}. We've been running the "
        "same job for months.{time_sent}{rid_line}\n\nCan you raise the limit, or tell us what changed?{sign}",
        "{greet}I think your rate limiter is broken - we get {err} although we send fewer requests than "
        "before. Maybe it counts requests from other customers too?{rid_line}{sign}",
        "{greet}- symptom: {err}\n- affected: {ops}{region_in}\n- our request rate: normal\n- ongoing{since_w}"
        "{rid_line}\n\nPlease check our quota.{sign}",
        "Stop throttling us. {Ops} fail with {err}{since}. We're a paying customer.{rid_line}",
        '{greet}Can someone explain this response?\n\n"{msg}"\n\nWe have autoscaling, so maybe we spiked a '
        "bit, but it's nothing crazy.{rid_line}{sign}",
    ],
    "malformed_request": [
        "{greet}{Svc} started rejecting our {ops} with {err}{since}. We didn't change our code. Did you ship "
        "a breaking API change?{rid_line}{sign}",
        "{greet}After upgrading our SDK we get {err} on some {ops}. Rolled back - still get it. So it must be "
        "something on your end.{time_sent}{rid_line}{sign}",
        "{greet}Repro:\n1. send our usual request to {svc}{region_in}\n2. get {err}\n3. the same request "
        "worked before\n{rid_line}\n\nAny idea what's wrong?{sign}",
        "{greet}Not sure whose bug this is, but {ops} fail with {err}. Could {other_svc} be returning "
        "something weird that breaks our requests?{rid_line}{sign}",
        "{Svc} keeps rejecting our requests with {err}{since}. Same code as before it broke. What did you "
        "change?{rid_line}",
        '{greet}We get "{msg}" from {svc}. The request looks fine to me, I compared it with your docs. Can you '
        "tell me what exactly is wrong with it?{rid_line}{sign}",
    ],
    "payload_too_large": [
        "{greet}Our bigger uploads to {res} fail with {err}{since}. Smaller files go through fine. Is {svc} "
        "having trouble with large files?{rid_line}{sign}",
        "{greet}We upload our videos to {svc} and the larger ones keep failing with {err}. I'm pretty sure "
        "this used to work. Did you lower a limit?{time_sent}{rid_line}{sign}",
        "{greet}I think your upload endpoint is timing out on big files - we get {err} after a while. Maybe "
        "{other_svc} is cutting the connection?{rid_line}{sign}",
        "{greet}- what: uploading large files to {res}\n- result: {err}\n- small files: work\n- our network: "
        "fine, tested from two locations{rid_line}{sign}",
        "We can't upload anything big to {svc}. {Biz} is stuck. We keep getting {err}. Fix it!{rid_line}",
        "{greet}Upload fails with:\n\n{msg}\n\nThe file is big but not crazy. Is there a way to raise this, "
        "or should we split it?{rid_line}{sign}",
    ],
    "client_network": [
        "{greet}We haven't been able to reach {svc}{region_in}{since}. {slow} Is your service down?{rid_line}{sign}",
        "{greet}Our {ops} just hang and then time out. No error code, nothing.{time_sent} Your status page "
        "shows everything is fine, but it clearly isn't.{rid_line}{sign}",
        "{greet}- symptom: {err}\n- affected: all {ops}\n- our servers: healthy\n{time_sent}{rid_line}\n\n"
        "Please check your load balancers.{sign}",
        "{greet}I think {other_svc} is down - our app can't get anything through and {ops} time out."
        "{time_sent}{rid_line}{sign}",
        "{Svc} has been unreachable for us{since}. {slow} What is going on?{rid_line}",
        "{greet}{Biz} is stuck because {ops} to {svc} never complete{since}. {slow} We have not changed "
        "anything on our side.{rid_line}{sign}",
    ],
    "client_bug": [
        "{greet}Something changed in {svc}{region_in}. Our {ops} seem to go through, but{since} our code blows "
        "up right after with {err}. We haven't touched that code in ages. Did your responses change?"
        "{rid_line}{sign}",
        "{greet}Users of {biz} get an error page and our logs show {err} around every call to {svc}.{time_sent}"
        "{rid_line}\n\nDid you ship something? As far as we can tell your API started returning garbage.{sign}",
        "{greet}Since your last update {biz} is broken. Our {ops} don't fail as such, but what comes back looks "
        "corrupt and our app fails with {err}.{time_sent}{rid_line}\n\nDid {svc_short} change its format?{sign}",
        "{greet}Summary:\n- affected: {ops} via {svc}{region_in}\n- what we see: {err}\n- impact: {biz} shows "
        "errors to users\n- our side: no changes that we know of\n{time_sent}{rid_line}\n\nWhat changed?{sign}",
        "{greet}Not sure whether it's you or us, but {biz} keeps crashing{since} and the stack traces all end in "
        "our {svc_short} client: {err}. Could {other_svc} or {svc} be sending something odd?{rid_line}{sign}",
        "{Svc} has been breaking our app{since}. {Ops} end in {err}. Please roll back whatever you changed.{rid_line}",
        "{greet}Did {svc} change anything? Since your update we see {err} in {biz}, mostly around {ops} for "
        "{res}.{rid_line}{sign}",
    ],
}

# ---- ticket templates: Chinese ------------------------------------------------------------------------

SUBJECTS_ZH = {
    "regional_outage": ["【紧急】{region}{svc_short}不可用", "{svc_short}是不是挂了？", "线上故障：所有请求返回{status}",
                        "紧急！{ops}全部失败", "你们是不是出故障了"],
    "dependency_failure": ["多个服务同时报错：{svc_short}和{other_svc_short}", "好几个服务都返回{status}",
                           "{svc_short}、{other_svc_short}一起挂了？", "平台是不是有大面积故障"],
    "node_failure": ["{svc_short}间歇性报{status}", "部分请求失败，重试又好了", "{svc_short}时好时坏",
                     "{region}{svc_short}偶发{status}，比例不低"],
    "gray_failure": ["{svc_short}偶发{status}", "少量请求失败（大约1%）", "{ops}偶尔报错", "错误率一直降不下来"],
    "latency_degradation": ["{svc_short}响应特别慢", "{region}{ops}延迟很高", "请求超时严重", "{svc_short}变慢了，是不是有问题"],
    "expired_token": ["突然全部返回{status}", "鉴权失败，token 明明是对的", "{svc_short}一直报 Unauthorized",
                      "Keyring 是不是有问题？"],
    "signature_mismatch": ["签名校验失败，返回{status}", "预签名 URL 全部{status}", "{svc_short}签名报错",
                           "上传报 Forbidden，密钥没问题"],
    "access_denied": ["访问自己的{res_kind}报{status}", "权限不足？我们用的是管理员密钥", "{svc_short}返回 Access Denied",
                      "API key 突然没权限了"],
    "wrong_region": ["返回{status} {reason}", "{svc_short}报区域相关的错误", "{res_name} 访问失败，提示 region 不对",
                     "我们一直用的{region_short}，为什么说区域不对"],
    "bucket_not_found": ["我们的 bucket 不见了？？", "{res_name} 返回{status}", "提示 bucket 不存在，数据呢？",
                         "紧急：{svc_short}找不到我们的桶"],
    "object_not_found": ["上传成功的文件访问报{status}", "{res_name} 里的文件丢了？", "图片突然打不开了",
                         "文件丢失？下载返回 Not Found"],
    "quota_exceeded": ["{svc_short}限流，返回{status}", "被限流了，我们量并不大", "请求频率限制报错", "麻烦提高一下我们的配额"],
    "malformed_request": ["之前正常的请求现在报{status}", "{svc_short}接口是不是改了？", "请求被拒：Bad Request",
                          "你们是不是有不兼容的更新"],
    "payload_too_large": ["上传大文件报{status}", "大文件上传一直失败", "{svc_short}上传限制是不是改了", "大文件传不上去"],
    "client_network": ["{svc_short}连不上", "请求一直超时，没有任何返回", "{region}的{svc_short}无响应", "{ops}卡住不动"],
    "client_bug": ["你们的接口是不是返回了错误的数据？", "{svc_short}更新之后我们的{ops}出错了", "{svc_short}是不是改了返回格式？",
                   "用户反馈{biz}报错，是不是{svc_short}有问题", "{region_short}的{svc_short}返回内容异常"],
}

BODIES_ZH = {
    "regional_outage": [
        "{greet}我们{region_in}的{svc}{since}一直报{err}，基本所有请求都失败，{biz}已经受影响了。是不是你们那边出问题了？"
        "麻烦尽快看一下！{rid_line}{sign}",
        "紧急！！{ops}全挂了，返回{err}。{time_sent}我们这边没有任何发布，重试也没用，你们状态页还显示正常？？{rid_line}",
        "{greet}情况如下：\n1. {svc}{since}大量返回{err}\n2. 重试无效，换机器也一样\n3. 我们今天没有上线任何变更\n"
        "{rid_line}\n请确认一下是不是你们的故障，有没有预计恢复时间。{sign}",
        "{greet}一开始以为是我们自己刚发的版本有问题，回滚了还是一样，{ops}一直报{err}。问了下别的同事也这样，"
        "应该是你们{region}那边的问题吧？{rid_line}{sign}",
        "{greet}怀疑是{other_svc}挂了，我们这边{ops}{since}全部报{err}，{biz}现在完全用不了。麻烦帮忙查一下。{rid_line}{sign}",
        "{svc}{region}挂了？{ops}全失败。{rid_line}",
    ],
    "dependency_failure": [
        "{greet}不止一个服务有问题，{svc}和{other_svc}{since}都在报{err}，感觉是你们底层什么公共组件挂了。{rid_line}{sign}",
        "{greet}我们的{ops}失败，返回{err}，调{other_svc}也一样失败。{time_sent}{biz}现在基本瘫痪，请问是不是有大范围故障？"
        "{rid_line}{sign}",
        "{greet}目前观察到：\n- {svc}：{err}\n- {other_svc}：也在报错，偶尔超时\n- 我们自己的服务都正常\n{rid_line}\n"
        "麻烦尽快确认。{sign}",
        "{greet}刚开始以为是我们对接{other_svc}的代码有 bug，排查了一圈发现{svc}也报{err}，你们是不是推了什么有问题的配置？"
        "{rid_line}{sign}",
        "你们好几个服务{since}都不可用，{svc}一直返回{err}，能不能给个说法？{rid_line}",
    ],
    "node_failure": [
        "{greet}{svc}{since}有一部分请求返回{err}，不是全部失败，重试一般能成功。感觉像是你们某台机器有问题。{rid_line}{sign}",
        "{greet}我们{region_in}的{ops}时好时坏，隔几个请求就有一个报{err}。{time_sent}麻烦看下是不是有节点不健康？"
        "{rid_line}{sign}",
        "{greet}问题描述：\n- 服务：{svc}\n- 区域：{region}\n- 现象：部分请求{err}，其余正常\n- 重试：大部分能成功{rid_line}{sign}",
        "{greet}一直零星报{err}，一开始以为是我们自己的负载均衡有问题，重启了也没用。{time_sent}应该不是我们这边的问题吧？"
        "{rid_line}{sign}",
        "{svc}太不稳定了，{since}日志里一堆{err}，{biz}的用户已经在投诉了，到底怎么回事？{rid_line}",
    ],
    "gray_failure": [
        "{greet}不是大故障，但{ops}大概有1%左右会报{err}，{since_w}一直这样。重试能好，就是错误率告警一直在响。{rid_line}{sign}",
        "{greet}我们监控发现{svc}{since}错误率比平时高，大概一百个请求里有一个返回{err}，其他都正常。请问是已知问题吗？"
        "{rid_line}{sign}",
        "{greet}现象：\n- 约1%的{ops}失败，返回{err}\n- 其余99%正常\n- 跟文件大小、时间段都没关系\n{time_sent}{rid_line}{sign}",
        "{greet}偶尔会收到{svc}的{err}，本来以为是我们 HTTP client 的问题，升级了版本也没用。比例很低，但是一直有。"
        "是不是你们有某台机器有问题？{rid_line}{sign}",
        "{svc}{since_w}一直零星报{err}，量不大但没断过，麻烦看看。{rid_line}",
    ],
    "latency_degradation": [
        "{greet}{svc}{since}特别慢。{slow}没有明确报错，但是{biz}一直超时。{rid_line}{sign}",
        "{greet}我们{region_in}的{ops}{since}延迟特别高。{slow}你们那边有变更吗？{rid_line}{sign}",
        "{greet}情况：\n- {ops}比平时慢了十几倍\n- 客户端超时，日志里都是{err}\n- 我们代码没动过\n{time_sent}{rid_line}{sign}",
        "{greet}{ops}一直 timeout，本来以为是我们公司网络的问题，换了网络还是一样。{slow}是不是{other_svc}那边慢？"
        "{rid_line}{sign}",
        "{svc}慢得离谱，{since}一直这样。{slow}能不能处理一下？{rid_line}",
    ],
    "expired_token": [
        "{greet}我们的{ops}{since}全部返回{err}，我们这边凭证没有改过。你们是不是轮换了什么密钥？{rid_line}{sign}",
        "{greet}怀疑你们的鉴权服务有问题：服务刚启动的时候一切正常，跑一段时间后调{svc}就全报{err}，重启又好了。"
        "{time_sent}{rid_line}{sign}",
        "什么情况？token 是你们接口刚发的，{svc}却返回{err}，{biz}已经挂了，赶紧查！{rid_line}",
        "{greet}问题：鉴权失败\n- 影响：{ops}\n- 返回：{err}\n- 我们这边：token 和之前一样，配置没改\n{time_sent}{rid_line}\n"
        "请帮忙查一下你们的鉴权服务。{sign}",
        "{greet}{ops}一直失败，返回的是：\n{msg}\n我们每小时都会刷新 token 的，怎么会这样？{rid_line}{sign}",
    ],
    "signature_mismatch": [
        "{greet}{since}我们签名的请求全被拒了，返回{err}。AK/SK 在控制台核对过好几遍，没问题。是不是你们改了签名算法？"
        "{rid_line}{sign}",
        "{greet}我们生成预签名 URL 的代码好几个月没动过，现在访问{svc}却报{err}。{time_sent}你们最近是不是有升级？"
        "{rid_line}{sign}",
        "{greet}怀疑是你们服务器时间不准，{ops}{since}一直报{err}，我们这边时间是 NTP 同步的。{rid_line}{sign}",
        "{greet}环境：\n- SDK：自己写的签名逻辑，很久没改了\n- 服务：{svc}\n- 区域：{region}\n- 结果：{err}{rid_line}{sign}",
        "{greet}调{svc}返回：\n{status} {msg}\n密钥确认了三遍，到底哪里不对？{rid_line}{sign}",
    ],
    "access_denied": [
        "{greet}访问{res}{since}一直返回{err}，我们用的是管理员的 key，权限是全开的。麻烦查下你们的权限系统。{rid_line}{sign}",
        "{greet}{svc}上的{ops}报{err}，同一个 key 列表操作是正常的，说明 key 本身没问题吧？{time_sent}{rid_line}{sign}",
        "{greet}感觉是{other_svc}发的 token 有问题，{svc}访问{res}一直{err}，控制台里看权限都是有的。{rid_line}{sign}",
        "访问我们自己的{res_kind}居然说没权限？？{since}全都是{err}，谁动了我们的配置？{rid_line}",
        "{greet}- 操作：{ops}\n- 资源：{res}\n- 返回：{err}\n- key：跟上周用的一样，没改过{rid_line}{sign}",
    ],
    "wrong_region": [
        "{greet}{ops}{since}一直失败，返回{err}。我们一直用的都是{region}，没改过，为什么会提到别的区域？你们是不是把我们的数据迁走了？"
        "{rid_line}{sign}",
        "{greet}{svc}返回{err}，我们配置里写的就是{region}的 endpoint，一直这么用的。{time_sent}是在做迁移吗？{rid_line}{sign}",
        "{greet}怀疑你们 DNS 解析有问题，请求{region}的{svc}返回{err}，是不是负载均衡把我们转到别的地方去了？{rid_line}{sign}",
        "{greet}报错如下：\n{status} {msg}\n可是{res}明明是在{region}创建的啊，什么情况？{rid_line}{sign}",
        "{svc}一直报什么 region 的错，我们就在{region}，求助。{rid_line}",
    ],
    "bucket_not_found": [
        "{greet}{svc}{since}突然说{res}不存在，所有请求都是{err}。里面有我们好几年的数据！你们不会给删了吧？{rid_line}{sign}",
        "{greet}{ops}全部报{err}，配置里的桶名没改过，之前一直正常。{time_sent}麻烦确认下{res}还在不在。{rid_line}{sign}",
        "我们的桶呢？？{svc}{since}一直返回{err}，{biz}全挂了，赶紧给个说法！{rid_line}",
        "{greet}是不是你们的元数据服务不同步了？{res}最近还在正常上传，现在访问全是{err}。{rid_line}{sign}",
        "{greet}- 资源：{res}\n- 区域：{region}\n- 报错：{err}\n- 我们没有做过删除操作\n{time_sent}{rid_line}\n请尽快排查。{sign}",
    ],
    "object_not_found": [
        "{greet}我们上传到{res}的文件，{since}下载时一直返回{err}。上传的时候明明返回成功了，文件去哪了？{rid_line}{sign}",
        "{greet}{biz}有一部分图片打不开，链接返回{err}，之前都是好的。{time_sent}你们是不是丢数据了？{rid_line}{sign}",
        "{greet}感觉是{other_svc}缓存出问题了，文件应该在{res}里的，但是访问返回{err}。{rid_line}{sign}",
        "{greet}问题文件：\n- 位置：{res}\n- 报错：{err}\n- 是否上传过：是，有上传日志{rid_line}{sign}",
        "{greet}想问一下，刚上传的文件马上去读会不会有延迟？我们{res}里有些新文件读的时候报{err}。{rid_line}{sign}",
    ],
    "quota_exceeded": [
        "{greet}{since}{svc}一直在限流，很多{ops}返回{err}。我们的流量跟平时差不多，是不是你们把配额调低了？{rid_line}{sign}",
        "{greet}我们{biz}有个批处理任务调{svc}，现在一直报{err}，这个任务跑了几个月了都没问题。{time_sent}能不能帮忙提一下限额？"
        "{rid_line}{sign}",
        "{greet}感觉你们限流算错了，我们请求量比以前还少，还是报{err}。是不是把别的客户的请求也算到我们头上了？{rid_line}{sign}",
        "{greet}这个报错什么意思：\n{msg}\n我们有自动扩容，可能偶尔有点峰值，但也不至于吧。{rid_line}{sign}",
        "别再限流了！{ops}{since}一直{err}，我们是付费用户。{rid_line}",
    ],
    "malformed_request": [
        "{greet}{svc}{since}开始拒绝我们的{ops}，返回{err}。我们代码没改过，是不是你们接口有变更？{rid_line}{sign}",
        "{greet}升级 SDK 之后部分{ops}报{err}，回滚了还是一样，那应该是你们那边的问题吧。{time_sent}{rid_line}{sign}",
        "{greet}复现步骤：\n1. 按平时的方式请求{svc}\n2. 返回{err}\n3. 同样的请求之前是好的\n{rid_line}\n麻烦看看哪里不对。{sign}",
        "{greet}{svc}返回“{msg}”，我对着文档看了好几遍，请求格式没问题啊。能具体说下哪里错了吗？{rid_line}{sign}",
        "{svc}一直给我们返回{err}，代码跟之前一模一样，你们到底改了什么？{rid_line}",
    ],
    "payload_too_large": [
        "{greet}往{res}上传大一点的文件{since}一直报{err}，小文件没问题。是不是{svc}对大文件有什么问题？{rid_line}{sign}",
        "{greet}我们的视频都是传到{svc}的，大的那些一直失败，返回{err}。印象中以前是可以的，你们是不是把限制调小了？"
        "{time_sent}{rid_line}{sign}",
        "{greet}感觉是你们上传接口对大文件超时了，传一会儿就报{err}。会不会是{other_svc}把连接断了？{rid_line}{sign}",
        "{greet}上传失败，报错：\n{msg}\n文件是有点大，但也没离谱。能调大限制吗，还是只能分片？{rid_line}{sign}",
        "{greet}- 操作：往{res}上传大文件\n- 结果：{err}\n- 小文件：正常\n- 网络：换了两个地方测，一样{rid_line}{sign}",
    ],
    "client_network": [
        "{greet}{since}我们连不上{svc}了。{slow}你们是不是挂了？{rid_line}{sign}",
        "{greet}{ops}一直卡着，最后 timeout，什么错误码都没有。{time_sent}你们状态页显示正常，但明显不正常啊。{rid_line}{sign}",
        "{greet}- 现象：{err}\n- 影响：所有{ops}\n- 我们的服务器：正常\n{time_sent}{rid_line}\n麻烦检查一下你们的负载均衡。{sign}",
        "{greet}怀疑{other_svc}挂了，我们 App 什么都请求不出去，{ops}全部超时。{rid_line}{sign}",
        "{greet}{biz}卡住了，{ops}{since}一直完成不了。{slow}我们这边什么都没改。{rid_line}{sign}",
    ],
    "client_bug": [
        "{greet}用户反馈{biz}{since}老是出问题，日志里全是{err}，都是在{ops}之后出现的。我们这边没改什么，是不是{svc}有问题？"
        "{rid_line}{sign}",
        "{greet}你们是不是更新了什么？{svc}返回的东西我们解析不了，App 里一直报{err}。{time_sent}麻烦确认下接口有没有变更。"
        "{rid_line}{sign}",
        "{greet}情况：\n- 现象：{biz}出错，报{err}\n- 涉及：{ops}\n- 区域：{region}\n- 我们这边：最近没动过代码\n{time_sent}"
        "{rid_line}\n请帮忙看下是不是{svc}的问题。{sign}",
        "{greet}{ops}看着是成功了，但{biz}拿到的内容好像是坏的，一直报{err}。怀疑是{svc}把数据弄坏了，或者{other_svc}有问题。"
        "{rid_line}{sign}",
        "{svc}{since}返回的东西不对，我们的{ops}全乱了，报{err}，赶紧查一下！{rid_line}",
        "{greet}用户反馈{biz}打不开，一直提示{err}，是不是你们{svc}有问题？{time_sent}{rid_line}{sign}",
    ],
}

SUBJECTS = {"en": SUBJECTS_EN, "zh": SUBJECTS_ZH}
BODIES = {"en": BODIES_EN, "zh": BODIES_ZH}

# ---- follow-ups (follow_up > 0) ----------------------------------------------------------------------

RECAPS = {
    "en": {
        "regional_outage": ["the {svc_short} outage{region_in}", "the errors on {svc_short}",
                            "the {status} errors{region_in}"],
        "dependency_failure": ["the errors on {svc_short} and {other_svc_short}", "the multi-service outage"],
        "node_failure": ["the intermittent {status}s on {svc_short}", "the random failures on {svc_short}"],
        "gray_failure": ["the occasional {status}s from {svc_short}", "the ~1% error rate on {svc_short}"],
        "latency_degradation": ["the slowness on {svc_short}", "the high latency{region_in}"],
        "expired_token": ["the {status} errors on our {ops}", "the auth failures on {svc_short}"],
        "signature_mismatch": ["the signature errors", "the {status}s on our signed requests"],
        "access_denied": ["the access denied errors on {res}", "the permission problem"],
        "wrong_region": ["the region error on {res}", "the {status} {reason} issue"],
        "bucket_not_found": ["the missing bucket issue", "the {status} on {res}"],
        "object_not_found": ["the missing files in {res}", "the {status}s on our uploaded files"],
        "quota_exceeded": ["the throttling", "the rate limit errors on {svc_short}"],
        "malformed_request": ["the bad request errors", "the {status}s from {svc_short}"],
        "payload_too_large": ["the failing large uploads", "the {status} on big uploads"],
        "client_network": ["the timeouts connecting to {svc_short}", "the hanging requests"],
        "client_bug": ["the errors in our app around {svc_short}", "the broken {ops}",
                       "the garbage responses from {svc_short}"],
    },
    "zh": {
        "regional_outage": ["{svc_short}大面积报错的问题", "{region_short}{svc_short}不可用的问题", "{status}的问题"],
        "dependency_failure": ["{svc_short}和{other_svc_short}同时报错的问题", "多个服务不可用的问题"],
        "node_failure": ["{svc_short}间歇性报错的问题", "部分请求{status}的问题"],
        "gray_failure": ["{svc_short}偶发{status}的问题", "1%请求失败的问题"],
        "latency_degradation": ["{svc_short}响应慢的问题", "延迟高的问题"],
        "expired_token": ["鉴权失败的问题", "{status}的问题"],
        "signature_mismatch": ["签名校验失败的问题", "签名请求{status}的问题"],
        "access_denied": ["访问{res}没权限的问题", "权限报错的问题"],
        "wrong_region": ["区域报错的问题", "{res}访问报{status}的问题"],
        "bucket_not_found": ["bucket 不存在的问题", "{res}找不到的问题"],
        "object_not_found": ["文件丢失的问题", "上传后文件{status}的问题"],
        "quota_exceeded": ["限流的问题", "{status}限流的问题"],
        "malformed_request": ["请求被拒的问题", "接口报{status}的问题"],
        "payload_too_large": ["大文件上传失败的问题", "上传报{status}的问题"],
        "client_network": ["连接超时的问题", "请求卡住没响应的问题"],
        "client_bug": ["{svc_short}返回数据异常的问题", "{ops}出错的问题"],
    },
}

FOLLOW_UP_SUBJECTS = {
    "en": ["Re: {recap}", "Still broken: {recap}", "Any update? {Recap} still happening", "Follow-up: {recap}",
           "{Nth} ticket about {recap} - please respond", "Still waiting..."],
    "zh": ["还是不行：{recap}", "【跟进】{recap}", "{nth}反馈：{recap}", "有进展吗？", "Re: {recap}"],
}

FOLLOW_UP_BODIES = {
    "en": [
        "{greet}Following up on my earlier ticket. We're still dealing with {recap}{since}. Nothing has changed on "
        "our side.{rid_line}\n\nCan someone please look at this?{sign}",
        "Any update on this? We're still getting {err}.{rid_line}",
        "{greet}This is the {nth} time I'm writing about {recap} and I still haven't got a real answer. {Biz} "
        "is still affected. Please escalate this.{rid_line}{sign}",
        "Hi again,\n\nSame problem as in my previous ticket - it's back{since}. {Ops} fail with {err} again."
        "{rid_line}{sign}",
        "{greet}Update from our side:\n- still seeing {err}\n- we restarted our services, no change\n"
        "- {biz} still impacted\n{rid_line}\n\nWhat's the status on your end?{sign}",
        "{greet}Re-opening this. I was told this was fixed, but it's back: {recap}.{time_sent}{rid_line}"
        "{sign}",
        "{Nth} email. Still broken. {Recap}, same as before. Please call me back.{rid_line}",
    ],
    "zh": [
        "{greet}还是不行。{since}{recap}一直没好过，我们这边什么都没动。{rid_line}\n麻烦给个进展。{sign}",
        "{greet}这已经是{nth}提这个问题了，{recap}到现在都没人回复？{biz}一直受影响，请升级处理。{rid_line}{sign}",
        "跟进一下之前的工单：{recap}又出现了，{ops}还是报{err}。{time_sent}{rid_line}",
        "有进展吗？{ops}还是报{err}。{rid_line}",
        "{greet}上次反馈的{recap}，又出现了。{time_sent}重启了我们的服务也没用。{rid_line}{sign}",
        "{nth}了！！{recap}还是没解决，到底什么时候能好？{rid_line}",
    ],
}

# When a follow-up reuses a first-ticket template: subject prefix and an opening line.
FOLLOW_UP_PREFIXES = {"en": ["Re: ", "Still: ", "[follow-up] ", "Again: "], "zh": ["Re: ", "【跟进】", "还是不行："]}
FOLLOW_UP_OPENERS = {
    "en": ["Following up on my earlier ticket - still the same.\n\n", "Writing again about this, it's still "
           "happening.\n\n", "This is the {nth} time I'm reporting this.\n\n", "Nobody answered my last ticket, "
           "so once more:\n\n"],
    "zh": ["再发一次，上次的工单没人回。\n", "还是不行，补充一下信息：\n", "{nth}反馈这个问题了。\n", "跟进之前的工单：\n"],
}
