"""E-mails are written in their recipient's language (ADR 0012): the one they last chose
with the header's switcher while signed in, else the one they signed up in, else English.
Fails when the e-mail is rendered in the worker's language."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.annotations import services
from apps.moderation.actions import review_item_decide
from apps.notifications.models import Notification
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.django_db


def test_a_reply_is_emailed_in_the_recipients_language(
    user, other_user, make_annotation, run_on_commit
):
    user.language = "de"
    user.save(update_fields=["language"])
    root = make_annotation(user)
    with run_on_commit():
        services.annotation_reply(author=other_user, parent=root, body="A reply")
    assert len(mail.outbox) == 1
    assert "hat Ihnen geantwortet" in mail.outbox[0].subject
    assert "Alle Ihre Benachrichtigungen" in mail.outbox[0].body


def test_a_moderation_notice_is_emailed_in_the_recipients_language(user, run_on_commit):
    from tests.moderation.conftest import make_moderator

    user.language = "zh-hans"
    user.save(update_fields=["language"])
    moderator = make_moderator(username="mod-zh")
    item = make_item(author=user)
    with run_on_commit():
        review_item_decide(actor=moderator, item=item, decision="reject", reason="Duplicate")
    assert Notification.objects.filter(kind="decision").count() == 1
    assert len(mail.outbox) == 1
    assert "审核决定" in mail.outbox[0].subject


def test_the_switcher_remembers_a_signed_in_persons_language(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "xx-evil", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"  # an unknown language changes nothing


def test_signing_up_keeps_the_language_of_the_sign_up_page(client, settings):
    from apps.accounts.models import User

    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    client.post(
        "/accounts/signup/",
        {
            "username": "neu",
            "email": "neu@example.org",
            "password1": "a long passphrase 123",
            "password2": "a long passphrase 123",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert User.objects.get(username="neu").language == "de"
