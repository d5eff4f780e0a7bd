"""`make load`'s live readers: LOAD_LIVE_READERS (200) WebSockets on the paper's reader
(/ws/sources/<slug>/, through nginx to uvicorn), held while locust runs; one writer posts
a public annotation every few seconds through the API (gunicorn), and each socket's
delay from the POST leaving to its message arriving is recorded. Prints the p50/p95 and
how many messages were missed; exits 1 when p95 > 1 s or a message is missed.

The publisher is the on-commit event in the gunicorn worker; the message crosses the Redis
channel layer to the uvicorn process (docs/deploy.md, "Live updates")."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request

import websockets

PORT = os.environ.get("LOAD_PORT", "8077")
READERS = int(os.environ.get("LOAD_LIVE_READERS", "200"))
WRITES = int(os.environ.get("LOAD_LIVE_WRITES", "10"))
PAUSE = float(os.environ.get("LOAD_LIVE_PAUSE", "4"))
SLUG = "wong-2021-social-credit"
GOAL_MS = 1000.0


def post(token: str, span: list[int]) -> tuple[int, float, float]:
    body = json.dumps(
        {
            "source": SLUG,
            "target": {"selector": [{"type": "TextPositionSelector", "start": span[0],
                                     "end": min(span[1], span[0] + 30)}]},
            "body": "Live load test.",
            "visibility": "public",
        }
    ).encode()  # fmt: skip
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/annotations/",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    sent = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["id"], sent, time.monotonic()


async def reader(index: int, arrivals: dict[int, list[float]], ready: asyncio.Event, done):
    url = f"ws://127.0.0.1:{PORT}/ws/sources/{SLUG}/"
    async with websockets.connect(url, origin=f"http://127.0.0.1:{PORT}", open_timeout=30) as ws:
        ready.set()
        while not done.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=1)
            except TimeoutError:
                continue
            message = json.loads(raw)
            if message["type"] == "annotation.created":
                arrivals.setdefault(message["id"], []).append(time.monotonic())


async def main() -> int:
    token = os.environ.get("LOAD_LIVE_TOKEN") or json.loads(os.environ["LOAD_TOKENS"])[0]
    spans = json.loads(os.environ["LOAD_PASSAGES"])
    arrivals: dict[int, list[float]] = {}
    done = asyncio.Event()
    readies = [asyncio.Event() for _ in range(READERS)]
    tasks = [asyncio.create_task(reader(i, arrivals, readies[i], done)) for i in range(READERS)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=60)
    sent: dict[int, float] = {}
    answered: dict[int, float] = {}
    for n in range(WRITES):
        await asyncio.sleep(PAUSE)
        annotation_id, at, back = await asyncio.to_thread(post, token, spans[n % len(spans)])
        sent[annotation_id], answered[annotation_id] = at, back
    await asyncio.sleep(3)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    delays = [(t - sent[i]) * 1000 for i in sent for t in arrivals.get(i, [])]
    expected = READERS * len(sent)
    missed = expected - len(delays)
    if not delays:
        print("live readers: no message arrived")
        return 1
    delays.sort()
    p95 = delays[int(0.95 * (len(delays) - 1))]
    # The same messages counted from the POST's answer (the write committed and answered;
    # negative when the message beat the answer): what the channel layer and the sockets
    # add, apart from how long the write itself took under the load.
    after = sorted((t - answered[i]) * 1000 for i in sent for t in arrivals.get(i, []))
    writes = sorted((answered[i] - sent[i]) * 1000 for i in sent)
    print(
        f"live readers: {READERS} sockets, {len(sent)} public annotations, "
        f"{len(delays):,} of {expected:,} messages; delay from POST: p50 "
        f"{statistics.median(delays):.0f} ms, p95 {p95:.0f} ms, max {delays[-1]:.0f} ms "
        f"(goal p95 ≤ {GOAL_MS:.0f} ms, none missed): "
        + ("met" if p95 <= GOAL_MS and not missed else "NOT MET")
        + f"; the POSTs took p50 {statistics.median(writes):.0f} ms, max {writes[-1]:.0f} ms;"
        f" from the POST's answer: p50 {statistics.median(after):.0f} ms,"
        f" p95 {after[int(0.95 * (len(after) - 1))]:.0f} ms"
    )
    return 0 if p95 <= GOAL_MS and not missed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
