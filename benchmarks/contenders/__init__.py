"""One module per contender; each runs standalone: ``python -m benchmarks.contenders.<module>``.

``CONTENDERS`` maps the name shown in the runner's table to the module, in table order.
"""

CONTENDERS = {
    "json-limit": "benchmarks.contenders.json_limit",
    "agentos_sync": "benchmarks.contenders.agentos_sync_client",
    "handrolled": "benchmarks.contenders.handrolled",
    "httpx-sse": "benchmarks.contenders.httpx_sse_peer",
    "typed-reader": "benchmarks.contenders.typed_reader",
    "agno": "benchmarks.contenders.agno_client",
    "server-ceiling": "benchmarks.contenders.server_ceiling",
}
