"""The versioned JSON API (v1): one NinjaAPI instance, routers per domain."""

from ninja import NinjaAPI

api = NinjaAPI(title="Liuyan API", version="1", urls_namespace="api-v1")
