"""The headers the schema documents beside the bodies (docs/api.md "Conventions")."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

# The case's version (docs/api.md "ETag and If-Match").
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 412],
    description="案件当前版本；更正时放入 If-Match",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="读取时的 ETag；案件已变更则 412（不带此头则照常更正）",
)

# On the endpoints that count attempts (docs/api.md "Rate limits").
RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        name, OpenApiTypes.INT, OpenApiParameter.HEADER, response=[201, 400, 429], description=text
    )
    for name, text in (
        ("RateLimit-Limit", "本时段允许的次数"),
        ("RateLimit-Remaining", "本时段剩余次数"),
        ("RateLimit-Reset", "距本时段结束的秒数"),
    )
] + [
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="秒数",
    )
]
