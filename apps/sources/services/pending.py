"""Adding a source in two steps: the file first (``pending_upload_create`` checks it,
keeps it and reads the metadata it carries), then the record (``pending_upload_confirm``
creates the source from the kept bytes). A form error on the second step never loses
the file; ``pending_upload_abandon`` and the periodic ``pending_uploads_clean`` delete
what is never confirmed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..importers import ImportRejected, validate_upload
from ..importers.file_metadata import suggest_metadata
from ..models import PendingUpload, Source
from .metadata import SourceMetadata
from .uploads import _check_can_add, _check_upload_rate, source_create

# Files kept per person while they wait for a confirmation: enough for a batch of papers
# opened in tabs, not a store of files.
MAX_PENDING_PER_USER = 10


def _check_owner(user, pending: PendingUpload) -> None:
    if user is None or not user.is_authenticated or pending.owner_id != user.pk:
        raise PermissionDenied(_("This upload is not yours."))


@transaction.atomic
def pending_upload_create(
    *,
    user,
    data: bytes,
    filename: str = "",
    client_ip: str | None = None,
    throttle: bool = True,
) -> PendingUpload:
    """Check an uploaded file as every upload is checked (size, format, hostile PDFs) and
    keep it with the metadata found in it. The upload rate is counted here, where the
    bytes are stored; the confirmation is not counted again.

    Raises PermissionDenied (anonymous), RateLimited, ValidationError ({"file": …}: an
    unacceptable file, or too many uploads waiting); nothing is stored then.
    """
    _check_can_add(user)
    _check_upload_rate(user=user, client_ip=client_ip, throttle=throttle)
    try:
        import_format = validate_upload(data)
    except ImportRejected as exc:
        raise ValidationError({"file": exc.message}) from exc
    waiting = PendingUpload.objects.filter(owner=user).count()
    if waiting >= MAX_PENDING_PER_USER:
        raise ValidationError(
            {
                "file": _(
                    "You have %(count)d uploads waiting for their details. Confirm or "
                    "abandon one of them first."
                )
                % {"count": waiting}
            }
        )
    return PendingUpload.objects.create(
        owner=user,
        data=data,
        size=len(data),
        original_filename=filename[:255],
        import_format=import_format,
        suggested=suggest_metadata(data, import_format),
    )


@transaction.atomic
def pending_upload_confirm(*, user, pending: PendingUpload, metadata: SourceMetadata) -> Source:
    """Create the source (``source_create``, its first version from the kept bytes) and
    delete the pending upload, in one transaction: on a ValidationError nothing is
    created and the pending upload stays, with its file. Only its owner may confirm.
    """
    _check_owner(user, pending)
    # Locked so that a double submit creates one source, not two.
    locked = PendingUpload.objects.select_for_update().filter(pk=pending.pk).first()
    if locked is None:
        raise ValidationError(_("This upload was already confirmed or abandoned."))
    source = source_create(
        user=user,
        metadata=metadata,
        data=bytes(locked.data),
        filename=locked.original_filename,
        throttle=False,
    )
    locked.delete()
    return source


def pending_upload_abandon(*, user, pending: PendingUpload) -> None:
    """Delete the kept file; only its owner may."""
    _check_owner(user, pending)
    PendingUpload.objects.filter(pk=pending.pk).delete()


def pending_uploads_clean(*, now: datetime.datetime | None = None) -> int:
    """Delete the pending uploads older than SOURCE_PENDING_UPLOAD_HOURS (the periodic
    task's work). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        hours=settings.SOURCE_PENDING_UPLOAD_HOURS
    )
    deleted, _by_model = PendingUpload.objects.filter(created__lt=cutoff).delete()
    return deleted
