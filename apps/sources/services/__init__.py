"""Writes for sources, one module per feature. Every function here is the only way its
change happens.

- ``uploads``      source_create / document_upload (form, API or command) store the bytes
                   and a pending Document, and publish ``source.uploaded`` (its
                   subscriber enqueues tasks.import_document on commit)
- ``imports``      document_import (the task) extracts the text and, in one transaction,
                   publishes the version (a steward's upload) or files it as a proposal
                   (anyone else's); failures, the stalled-import sweep, the
                   ``source.version_ready`` event and the review item an upload needs
- ``versions``     document_accept / document_reject decide a proposal, document_withdraw
                   takes a published version back (docs/moderation.md, "Source
                   stewardship"; who may: permissions.py)
- ``stewardship``  maintainer_add / maintainer_remove name the people who may do that
- ``pending``      adding a source in two steps: pending_upload_create keeps the file
                   and the metadata read from it, pending_upload_confirm creates the
                   source from it, pending_upload_abandon / pending_uploads_clean
                   delete what is never confirmed
- ``translations`` translation_create / translation_align / alignment_edit: a source's
                   translations and their passage alignment (ADR 0019)
- ``metadata``     SourceMetadata, DOIs, slugs, filling empty fields from the file
- ``details``      source_details_update: a steward corrects the bibliographic record
                   (audited; ``source.updated`` re-indexes its search record)

Stewardship writes one audit row each and settles the version's review item. Callers use
the names re-exported here (``services.source_create``); modules inside the package
import each other directly.
"""

from .details import source_details_update
from .imports import (
    MAX_IMPORT_ATTEMPTS,
    STALLED_AFTER,
    document_import,
    document_import_abandon,
    document_retry_stalled,
    review_item_for_upload,
)
from .metadata import DOI_PATTERN, SourceMetadata, normalize_doi, suggest_slug, validate_doi
from .pending import (
    pending_upload_abandon,
    pending_upload_confirm,
    pending_upload_create,
    pending_uploads_clean,
)
from .stewardship import maintainer_add, maintainer_remove
from .translations import alignment_edit, translation_align, translation_create
from .uploads import document_upload, source_create
from .versions import (
    CurrentVersionMoved,
    diff_url,
    document_accept,
    document_reject,
    document_withdraw,
    version_state,
)

__all__ = [
    "DOI_PATTERN",
    "MAX_IMPORT_ATTEMPTS",
    "STALLED_AFTER",
    "alignment_edit",
    "translation_align",
    "translation_create",
    "CurrentVersionMoved",
    "SourceMetadata",
    "diff_url",
    "document_accept",
    "document_import",
    "document_import_abandon",
    "document_reject",
    "document_retry_stalled",
    "document_upload",
    "document_withdraw",
    "maintainer_add",
    "maintainer_remove",
    "normalize_doi",
    "pending_upload_abandon",
    "pending_upload_confirm",
    "pending_upload_create",
    "pending_uploads_clean",
    "review_item_for_upload",
    "source_create",
    "source_details_update",
    "suggest_slug",
    "validate_doi",
    "version_state",
]
