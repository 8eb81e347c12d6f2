"""Optional helpers for web frameworks; nothing here is imported by ``import agentos_sync``.

- `agentos_sync.contrib.django`: ``stream_response(stream)`` relays a run stream to a browser
  as Server-Sent Events (a ``StreamingHttpResponse``); ``get_client()`` builds one shared client from
  ``settings.AGENTOS``. Needs the ``django`` extra.
- `agentos_sync.contrib.flask`: the same relay as a ``flask.Response``, and ``init_app(app)`` /
  ``get_client()`` from ``app.config["AGENTOS_*"]``. Needs the ``flask`` extra.

Both relay the upstream events re-framed as ``event: <type>`` / ``id: <event_index>`` /
``data: <json>`` frames, send ``: keep-alive`` comments while the run is silent, end with an
``event: end`` frame, and close the upstream stream (returning its connection to the pool) when
the browser goes away.
"""

from __future__ import annotations

from typing import List

__all__: List[str] = []
