"""`make load`: readers and writers (``LOAD_WRITERS``, 5 % of 500 by default) against
nginx + gunicorn + a Celery worker.

Readers walk the public pages a visitor opens; writers annotate the founding paper through
the API with their tokens, paced under the per-user write throttle (30 a minute), so any
429 or 5xx counts as an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import FastHttpUser, between, constant_pacing, task

PAPER = "wong-2021-social-credit"
TOKENS = itertools.cycle(json.loads(os.environ.get("LOAD_TOKENS", "[]")))
PASSAGES = json.loads(os.environ.get("LOAD_PASSAGES", "[]"))  # [[start, end], ...]
DOCUMENT = os.environ.get("LOAD_DOCUMENT", "")  # the paper's current version (its threads)


class Reader(FastHttpUser):
    weight = 50
    wait_time = between(0.5, 1.5)

    @task(5)
    def read_paper(self):
        self.client.get(f"/sources/{PAPER}/", name="reader")
        if DOCUMENT:  # what the reader's script fetches next
            self.client.get(f"/reader/{DOCUMENT}/threads.json", name="threads json")

    @task(2)
    def home(self):
        self.client.get("/", name="home")

    @task(2)
    def atlas(self):
        self.client.get("/atlas/", name="atlas map")
        self.client.get("/api/atlas/countries/", name="api countries")

    @task(2)
    def annotations(self):
        self.client.get(f"/api/annotations/?source={PAPER}", name="api annotations")

    @task(1)
    def search(self):
        self.client.get("/search/?q=Schufa", name="search")

    @task(1)
    def sources(self):
        self.client.get("/api/sources/", name="api sources")


class Writer(FastHttpUser):
    fixed_count = int(os.environ.get("LOAD_WRITERS", "5"))
    # Each writer stays under the 30-a-minute write throttle.
    wait_time = constant_pacing(2.5)

    def on_start(self):
        self.token = next(TOKENS)

    @task
    def annotate(self):
        start, end = random.choice(PASSAGES)
        span_start = random.randint(start, max(start, end - 40))
        payload = {
            "source": PAPER,
            "target": {
                "selector": [
                    {
                        "type": "TextPositionSelector",
                        "start": span_start,
                        "end": min(end, span_start + 30),
                    }
                ]
            },
            "body": "Load test note: compare with the Schufa passage.",
            "tags": ["load-test"],
            "visibility": random.choice(["public", "private"]),
        }
        with self.client.post(
            "/api/annotations/",
            json=payload,
            headers={"Authorization": f"Token {self.token}"},
            name="api annotate",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                # Status 0: no response at all (the connection failed); say why.
                detail = response.error if response.status_code == 0 else response.text[:200]
                response.failure(f"{response.status_code}: {detail!r}")
