"""django-simple-history keeps a change's reason in a 100-character column. The reasons
the services write embed what a person typed ("Restored version 3: <the moderator's
reason>"), so a reason of a few lines failed the whole write on PostgreSQL (a 500; SQLite
does not enforce the length). The full reason is in the audit log; the history row keeps
its first 100 characters."""

from __future__ import annotations

from django.utils.text import Truncator


def fit_change_reason(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record: cut the reason to its column's length, if it has one."""
    reason = getattr(history_instance, "history_change_reason", None)
    if not reason:
        return
    limit = history_instance._meta.get_field("history_change_reason").max_length
    if limit is not None and len(reason) > limit:  # a text column keeps the whole reason
        history_instance.history_change_reason = Truncator(reason).chars(limit)


def connect_signals() -> None:
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(fit_change_reason, dispatch_uid="common-fit-reason")
