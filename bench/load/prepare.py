"""Create the load test's writer accounts and print shell exports for locust."""

import json
import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from apps.sources.models import Source  # noqa: E402

User = get_user_model()
tokens = []
for index in range(int(os.environ.get("LOAD_WRITERS", "5"))):
    user, _ = User.objects.get_or_create(
        username=f"load-writer-{index}", defaults={"email": f"w{index}@example.org"}
    )
    tokens.append(Token.objects.get_or_create(user=user)[0].key)
# The live readers' writer (bench/load/live.py) has an account of its own: sharing one
# with a locust writer (24 POSTs a minute) put both over the 30-a-minute write throttle
# once the POSTs got fast enough.
live_user, _ = User.objects.get_or_create(
    username="load-live-writer", defaults={"email": "live@example.org"}
)
live_token = Token.objects.get_or_create(user=live_user)[0].key
paper = Source.objects.get(slug="wong-2021-social-credit")
passages = [[p.start, p.end] for p in paper.current_document.passages.filter(kind="paragraph")]
print(f"export LOAD_TOKENS={shlex.quote(json.dumps(tokens))}")
print(f"export LOAD_LIVE_TOKEN={shlex.quote(live_token)}")
print(f"export LOAD_PASSAGES={shlex.quote(json.dumps(passages))}")
print(f"export LOAD_DOCUMENT={paper.current_document_id}")
