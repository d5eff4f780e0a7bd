"""Domain events, dispatched when the transaction that published them commits.

A service says what happened, with ids only: ``events.publish("annotation.created",
annotation_id=7)``. Whoever cares subscribes from its own ``AppConfig.ready()``:
``events.subscribe("annotation.created", handler)``; the handler is called with the same
keyword arguments once the write is committed, so it never sees a row that was rolled
back and may enqueue a Celery task, update an index or open a review item. This keeps
the dependency direction (ADR 0006): the publisher knows no subscriber, and the lowest
app can tell the highest one.

Guarantees:

* Nothing is dispatched for a transaction (or savepoint) that rolls back.
* The same event with the same payload, published twice in one transaction, is
  dispatched once (a service that touches an annotation twice says so once).
* Events are dispatched in the order they were first published, and each event's
  handlers in the order they subscribed.
* A handler that raises is logged and does not stop the others, nor fail the write
  that has already committed (a broker outage is one such failure: the periodic sweeps
  pick up the work).
* Outside a transaction (autocommit), ``publish`` dispatches at once.

The events, their payloads and their subscribers are listed in docs/architecture.md,
"Events". This is the shape a live-update feature subscribes to.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., object]

_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
_PAYLOAD_TYPES = (int, str, bool, type(None))

_subscribers: dict[str, list[Handler]] = {}


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"An event name is dotted lower-case words, not {name!r}.")


def subscribe(name: str, handler: Handler) -> Handler:
    """Call ``handler(**payload)`` after each committed ``publish(name, **payload)``.
    Subscribing the same handler twice is a no-op (``ready()`` may run more than once
    in tests). Returns the handler, so it can be used as a decorator."""
    _check_name(name)
    handlers = _subscribers.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)
    return handler


def unsubscribe(name: str, handler: Handler) -> None:
    """Remove ``handler`` (tests that subscribe for one test)."""
    handlers = _subscribers.get(name, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribers(name: str) -> list[Handler]:
    """The handlers of ``name``, in dispatch order (for documentation and tests)."""
    return list(_subscribers.get(name, []))


@dataclass(eq=False)
class _Dispatch:
    """The on-commit callback of one (name, payload)."""

    name: str
    payload: tuple[tuple[str, object], ...]
    # Set once run: Django's test helper (captureOnCommitCallbacks) runs callbacks
    # without removing them; a run one neither swallows a later publication nor runs
    # again when the real commit comes.
    done: bool = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        dispatch(self.name, **dict(self.payload))

    def waiting_for(self, name: str, payload: tuple) -> bool:
        return not self.done and self.name == name and self.payload == payload


def publish(name: str, *, using: str | None = None, **payload) -> None:
    """Dispatch ``name`` with ``payload`` (ids and other scalars only: handlers load
    what they need, from committed rows) when the current transaction commits."""
    _check_name(name)
    for key, value in payload.items():
        if not isinstance(value, _PAYLOAD_TYPES):
            raise TypeError(
                f"Event {name}: {key} must be an id or another scalar, not {type(value).__name__}."
            )
    key = tuple(sorted(payload.items()))
    connection = transaction.get_connection(using)
    # Already waiting for this commit (run_on_commit entries are (savepoint ids,
    # callback, robust); a rolled-back savepoint has removed its own): once is enough.
    if connection.in_atomic_block and any(
        isinstance(entry[1], _Dispatch) and entry[1].waiting_for(name, key)
        for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Dispatch(name, key), using=using)


def dispatch(name: str, **payload) -> None:
    """Call every handler of ``name`` now, each failure logged and isolated. Called on
    commit by ``publish``; call it directly only where no transaction is involved."""
    for handler in subscribers(name):
        try:
            handler(**payload)
        except Exception:  # noqa: BLE001 - one subscriber must not break the others
            logger.exception("Event %s%r: subscriber %r failed", name, payload, handler)
