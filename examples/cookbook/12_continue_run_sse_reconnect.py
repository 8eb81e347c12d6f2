"""Continue-run reconnection (human in the loop): a run pauses for a tool confirmation; the
continue streams in the background; the script disconnects after a few events, stays away, and
re-attaches through ``/resume``, checking that no event was lost.

agno's cookbook ``12_continue_run_sse_reconnect.py`` (raw httpx there), with agentos_sync. Set
EXAMPLE_AGENT_ID to an agent with a tool that needs confirmation (default: ``confirmer``, the
repository's example server's, else the first agent; a run that does not pause ends the script, as
in agno's) and EXAMPLE_MESSAGE to a prompt that calls it (the default asks for the tool in words,
and in the ``[call_tool=...]`` directive of the example server's fake model).
"""

import json
import os
import time
from typing import Any, Dict, List, Optional

from _common import BASE_URL

from agentos_sync import AgentOSClient, events

EVENTS_BEFORE_DISCONNECT = 4
DISCONNECT_DURATION = float(os.environ.get("EXAMPLE_DISCONNECT_SECONDS", "3"))
MESSAGE = os.environ.get(
    "EXAMPLE_MESSAGE", "Run the dangerous action, then summarise what it did. [call_tool=dangerous_action]"
)


def main() -> None:
    print("=" * 70)
    print("Continue Run SSE Reconnection Test (HITL)")
    print("=" * 70)
    client = AgentOSClient(base_url=BASE_URL, timeout=(30, 120))

    agents = client.list_agents()
    if not agents:
        print("[ERROR] No agents available on the server")
        return
    chosen = os.environ.get("EXAMPLE_AGENT_ID", "confirmer")
    agent = next((a for a in agents if a.id == chosen), agents[0])
    agent_id = agent.id or ""
    print(f"Using agent: {agent_id} ({agent.name or 'unnamed'})")

    print("\nPhase 1: Starting agent run, waiting for tool pause...")
    events_initial: List[events.RunEvent] = []
    paused: Optional[events.RunPausedEvent] = None
    stream = client.run_agent_stream(agent_id, MESSAGE)
    for ev in stream:
        events_initial.append(ev)
        print(f"  [INIT] event={ev.event} content={str(getattr(ev, 'content', '') or '')[:60]!r}")
        if isinstance(ev, events.RunPausedEvent):
            paused = ev
            print(f"\n  [PAUSED] Run paused for tool approval. run_id={stream.run_id}")
            break
    stream.close()
    run_id, session_id = stream.run_id, stream.session_id
    if not run_id:
        print("[ERROR] Could not determine run_id from events")
        return
    if paused is None:
        print("\n[INFO] Run completed without pausing. Continue-run path not exercised.")
        print("  To test this, use an agent with tools that require approval.")
        return

    print("\nPhase 2: Continuing paused run with background=true, stream=true...")
    print(f"  Will disconnect after {EVENTS_BEFORE_DISCONNECT} events...")
    approved: List[Dict[str, Any]] = [
        dict(t.model_dump(exclude_none=True), confirmed=True) for t in (paused.tools or [])
    ]
    events_continue: List[events.RunEvent] = []
    cont = client.continue_agent_run_stream(agent_id, run_id, approved, session_id=session_id or "", background=True)
    for ev in cont:
        events_continue.append(ev)
        content = str(getattr(ev, "content", "") or "")[:60]
        print(f"  [{len(events_continue)}] event={ev.event} index={ev.event_index} content={content!r}")
        if len(events_continue) >= EVENTS_BEFORE_DISCONNECT:
            break
    cont.close()  # the disconnect
    last_event_index = cont.last_event_index
    print(
        f"\n[DISCONNECT] Received {len(events_continue)} events. run_id={run_id}, last_event_index={last_event_index}"
    )

    print(f"\nSimulating disconnect for {DISCONNECT_DURATION:g} seconds...")
    time.sleep(DISCONNECT_DURATION)

    print("\nPhase 3: Reconnecting via /resume endpoint...")
    events_resume: List[events.RunEvent] = []
    for ev in client.resume_agent_run_stream(agent_id, run_id, last_event_index, session_id):
        events_resume.append(ev)
        if isinstance(ev, events.StreamMetaEvent):
            print(f"  [META] event={ev.event} | {json.dumps(ev.model_dump(mode='json', exclude_none=True), indent=2)}")
        else:
            content = str(getattr(ev, "content", "") or "")[:60]
            print(f"  [RESUME] event={ev.event} index={ev.event_index} content={content!r}")
    client.close()

    print("\n" + "=" * 70)
    print("Summary")
    print("=" * 70)
    print(f"Initial run events: {len(events_initial)}")
    print(f"Continue run events (before disconnect): {len(events_continue)}")
    print(f"Resume events: {len(events_resume)}")
    meta_events = [e for e in events_resume if isinstance(e, events.StreamMetaEvent)]
    data_events = [e for e in events_resume if not isinstance(e, events.StreamMetaEvent)]
    print(f"  Meta events (catch_up/replay/subscribed): {len(meta_events)}")
    print(f"  Data events (actual agent events): {len(data_events)}")
    cont_idx = [e.event_index for e in events_continue if e.event_index is not None]
    res_idx = [e.event_index for e in data_events if e.event_index is not None]
    if cont_idx and res_idx:
        last_cont, first_res = max(cont_idx), min(res_idx)
        print(f"\n  Continue event_index range: {min(cont_idx)} -> {last_cont}")
        print(f"  Resume event_index range: {first_res} -> {max(res_idx)}")
        if first_res == last_cont + 1:
            print("  [PASS] Event indices are contiguous - no events were lost")
        elif first_res > last_cont:
            print(f"  [WARN] Gap in event indices: {last_cont} -> {first_res}")
        else:
            print("  [INFO] Overlapping indices detected (dedup may have occurred)")
    elif not res_idx:
        print("\n  [INFO] No data events in resume (run may have completed before resume)")
    else:
        print("\n  [INFO] No event indices in continue phase to compare")
    print(f"\n  Total unique events across continue + resume: {len(events_continue) + len(data_events)}")
    print("=" * 70)


if __name__ == "__main__":
    main()
