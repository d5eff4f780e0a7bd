"""The base class of every Celery task (``project/celery.py`` sets it as ``task_cls``).

Celery's own :meth:`DjangoTask.delay_on_commit` sends a task once the transaction
commits, so a task never sees a row that was rolled back. This class only adds the
site's rule for a broker outage: the write the user made has committed and stands, so a
failure to enqueue is logged, never raised; each kind of job has a periodic sweep that
finds the work without a job and sends it later (docs/architecture.md, "Write path").
"""

from __future__ import annotations

import logging

from celery.contrib.django.task import DjangoTask
from django.db import transaction

logger = logging.getLogger(__name__)


class Task(DjangoTask):
    def delay_on_commit(self, *args, **kwargs) -> None:
        """``delay(*args, **kwargs)`` after the current transaction commits (at once
        outside one); a broker outage is logged and swallowed."""
        transaction.on_commit(lambda: self.delay_or_log(*args, **kwargs))

    def delay_or_log(self, *args, **kwargs) -> bool:
        """``delay`` now; False (and a log line) when the broker cannot take the job.
        For sweeps, which run outside a user's transaction."""
        try:
            self.delay(*args, **kwargs)
        except Exception:  # noqa: BLE001 - broker down must not fail the user's write
            logger.exception("Could not enqueue %s%r; the sweep will retry.", self.name, args)
            return False
        return True
