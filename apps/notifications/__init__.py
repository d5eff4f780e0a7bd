"""The one inbox: every notification a person gets (replies, mentions, moderation
decisions), its unread count, e-mails and page. Lower than the apps that write to it
(moderation, annotations, atlas), so each calls ``services.notification_create`` without
an upward import; what a notification is about stays visible through ``registry.py``."""
