from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import registry

# An excerpt of the content a reply or mention is about: enough for the list and the
# e-mail; the link leads to the rest.
EXCERPT_LENGTH = 500


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    MENTION = "mention", _("Mention")
    DECISION = "decision", _("Moderation decision")
    # New results of a saved search (apps/search/alerts.py); verb empty, text = titles.
    SEARCH_ALERT = "search_alert", _("Saved search alert")


# Kinds that name their subject once per person: a reply that also mentions its parent's
# author, or an edit that repeats a mention, never notifies twice.
ONCE_PER_SUBJECT = (NotificationKind.REPLY, NotificationKind.MENTION)


class Notification(models.Model):
    """Something a person should hear about, with the words and link to show it. Not tied
    to any content model: ``subject`` (optional) names what it is about, and the list
    shows a notification with a subject only while the recipient may still see that
    subject (``registry.register_subject``); one without a subject (a moderation decision
    about the recipient's own contribution) always shows."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Who did it (the replier, the mentioner); none for moderation decisions, which never
    # name the moderator.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    # What happened, within the kind (a decision: "publish", "hide", …); labels come from
    # the app that owns the vocabulary (registry.register_verbs).
    verb = models.CharField(_("what happened"), max_length=20, blank=True)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    target_label = models.CharField(_("about"), max_length=300, blank=True)
    target_url = models.CharField(_("link"), max_length=500, blank=True)
    # The reply's or comment's words (an excerpt), or the moderator's reason.
    text = models.TextField(_("text"), blank=True)
    created = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    # An e-mail is owed (the recipient wanted one when this was made) and no worker has
    # dealt with it yet: sent, or found no longer wanted. What the periodic sweep looks at.
    email_pending = models.BooleanField(_("e-mail pending"), default=False)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "subject_type", "subject_id"],
                condition=models.Q(kind__in=[kind.value for kind in ONCE_PER_SUBJECT]),
                name="notification_once_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(subject_type__isnull=True, subject_id__isnull=True)
                | models.Q(subject_type__isnull=False, subject_id__isnull=False),
                name="notification_subject_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_unread"),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
            # The sweep reads only the few notifications whose e-mail is still owed.
            models.Index(
                fields=["created"],
                condition=models.Q(email_pending=True),
                name="notification_inbox_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.target_label}"

    def get_verb_display(self) -> str:
        return registry.verb_label(self.kind, self.verb)
