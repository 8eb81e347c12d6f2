"""SSE reconnection: start a background stream, disconnect after a few events, stay away, then
re-attach through ``/resume`` from the last event index and check that no event was lost.

agno's cookbook ``10_sse_reconnect.py`` (raw httpx there), with agentos_sync's stream and resume.
(A background stream also resumes by itself when the connection drops; this script disconnects
on purpose to show the re-attach a web page does after a reload.)
"""

import json
import os
import time
from typing import List, Optional

from _common import BASE_URL

from agentos_sync import AgentOSClient, events

EVENTS_BEFORE_DISCONNECT = 6
DISCONNECT_DURATION = float(os.environ.get("EXAMPLE_DISCONNECT_SECONDS", "3"))
MESSAGE = os.environ.get(
    "EXAMPLE_MESSAGE",
    "Tell me a detailed story about a brave knight who goes on a quest. Make it at least 5 paragraphs long.",
)


def main() -> None:
    print("=" * 70)
    print("Agent SSE Reconnection Test")
    print("=" * 70)
    client = AgentOSClient(base_url=BASE_URL, timeout=(30, 120))

    agents = client.list_agents()
    if not agents:
        print("[ERROR] No agents available on the server")
        return
    agent_id = agents[0].id or ""
    print(f"Using agent: {agent_id} ({agents[0].name or 'unnamed'})")

    print(f"\nPhase 1: Starting SSE stream, will disconnect after {EVENTS_BEFORE_DISCONNECT} events...")
    events_phase1: List[events.RunEvent] = []
    stream = client.run_agent_stream(agent_id, MESSAGE, background=True)
    for ev in stream:
        events_phase1.append(ev)
        content = str(getattr(ev, "content", "") or "")[:60]
        print(f"  [{len(events_phase1)}] event={ev.event} index={ev.event_index} content={content!r}")
        if len(events_phase1) >= EVENTS_BEFORE_DISCONNECT:
            break
    stream.close()  # the disconnect
    run_id, session_id, last_event_index = stream.run_id, stream.session_id, stream.last_event_index
    print(f"\n[DISCONNECT] Received {len(events_phase1)} events. run_id={run_id}, last_event_index={last_event_index}")
    if not run_id:
        print("[ERROR] Could not determine run_id from events")
        return

    print(f"\nSimulating disconnect for {DISCONNECT_DURATION:g} seconds...")
    time.sleep(DISCONNECT_DURATION)

    print("\nPhase 2: Reconnecting via /resume endpoint...")
    events_phase2: List[events.RunEvent] = []
    for ev in client.resume_agent_run_stream(agent_id, run_id, last_event_index, session_id):
        events_phase2.append(ev)
        if isinstance(ev, events.StreamMetaEvent):
            print(f"  [META] event={ev.event} | {json.dumps(ev.model_dump(mode='json', exclude_none=True), indent=2)}")
        else:
            content = str(getattr(ev, "content", "") or "")[:60]
            print(f"  [RESUME] event={ev.event} index={ev.event_index} content={content!r}")
    client.close()
    summarize(events_phase1, events_phase2)


def summarize(events_phase1: List[events.RunEvent], events_phase2: List[events.RunEvent]) -> None:
    print("\n" + "=" * 70)
    print("Summary")
    print("=" * 70)
    print(f"Phase 1 events received: {len(events_phase1)}")
    print(f"Phase 2 events received: {len(events_phase2)}")
    meta_events = [e for e in events_phase2 if isinstance(e, events.StreamMetaEvent)]
    data_events = [e for e in events_phase2 if not isinstance(e, events.StreamMetaEvent)]
    print(f"  Meta events (catch_up/replay/subscribed): {len(meta_events)}")
    print(f"  Data events (actual agent events): {len(data_events)}")
    phase1 = [e.event_index for e in events_phase1 if e.event_index is not None]
    phase2 = [e.event_index for e in data_events if e.event_index is not None]
    if phase1 and phase2:
        last_p1: Optional[int] = max(phase1)
        first_p2, last_p2 = min(phase2), max(phase2)
        print(f"\n  Phase 1 event_index range: 0 -> {last_p1}")
        print(f"  Phase 2 event_index range: {first_p2} -> {last_p2}")
        if last_p1 is not None and first_p2 == last_p1 + 1:
            print("  [PASS] Event indices are contiguous - no events were lost")
        elif last_p1 is not None and first_p2 > last_p1:
            print(f"  [WARN] Gap in event indices: {last_p1} -> {first_p2}")
        else:
            print("  [INFO] Overlapping indices detected (dedup may have occurred)")
    elif not phase2:
        print("\n  [INFO] No data events in phase 2 (run may have completed before resume)")
    else:
        print("\n  [INFO] No event indices in phase 1 to compare")
    print(f"\n  Total unique events across both phases: {len(events_phase1) + len(data_events)}")
    print("=" * 70)


if __name__ == "__main__":
    main()
