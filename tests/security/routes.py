"""Every route × role: the specification of who may GET and POST each URL pattern.

One row per URL name (namespace:name). ``path`` is a sample URL whose {placeholders} are
filled from tests/security/world.py. ``get`` and ``post`` are the status codes that an
anonymous visitor, a contributor (who wrote the entry, comment and annotation in the
world) and a global moderator get, in that order; POST sends an empty body, so a 400
means "allowed to try, the input is missing" and a 403/302-to-login means "refused"; the
API answers an anonymous request it refuses with 401 and ``WWW-Authenticate: Token``.
``html`` marks pages (their Content-Security-Policy is checked too).

A new URL pattern without a row fails tests/security/test_routes.py. Detailed matrices
with more roles and real actions: tests/moderation/test_permission_matrix*.py.
"""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    path: str
    get: tuple[int, int, int]
    post: tuple[int, int, int]
    html: bool


ROLES = ("anonymous", "contributor", "moderator")

# Third-party route trees, checked by one sample each rather than a row per pattern.
EXTERNAL = {
    "admin/": Row("/admin/", get=(302, 302, 302), post=(302, 302, 302), html=False),
    "accounts/": Row("/accounts/login/", get=(200, 302, 302), post=(200, 302, 302), html=True),
    # allauth's ORCID provider: not configured in tests unless a test configures it (then
    # tests/accounts/test_orcid.py walks the dance against a local stub): its URLs are 404.
    "accounts/orcid/": Row(
        "/accounts/orcid/login/", get=(404, 404, 404), post=(404, 404, 404), html=False
    ),
    # Connect or remove ORCID: signed-in only; an empty POST is the form again.
    "accounts/3rdparty/": Row(
        "/accounts/3rdparty/", get=(302, 200, 200), post=(302, 200, 200), html=True
    ),
}

ROUTES = {
    'home': Row('/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'healthz': Row('/healthz', get=(200, 200, 200), post=(200, 200, 200), html=False),
    'set_language': Row('/i18n/setlang/', get=(302, 302, 302), post=(302, 302, 302), html=False),  # the header's language switcher: POST language + next sets the cookie and goes back (the test client sends a Referer-less request: back to /)
    'javascript-catalog': Row('/jsi18n/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # the JavaScript catalogue, public per language
    'sources:list': Row('/sources/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'sources:add': Row('/sources/add/', get=(302, 200, 200), post=(302, 200, 200), html=True),
    'sources:add_details': Row('/sources/add/{pending_upload}/', get=(302, 200, 404), post=(302, 200, 404), html=True),  # the second step of adding a source: its uploader only (404 for anyone else, moderators included); an empty POST shows the form's errors, the file kept
    'sources:add_abandon': Row('/sources/add/{pending_upload}/abandon/', get=(302, 405, 405), post=(302, 302, 404), html=False),  # deletes the kept file: its uploader only
    'sources:import_status': Row('/sources/imports/{document_id}/', get=(302, 404, 200), post=(302, 404, 200), html=False),  # the uploader and the source's stewards (moderators maintain the paper, loaded by the system)
    'sources:reader': Row('/sources/{slug}/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'sources:reader_version': Row('/sources/{slug}/versions/{version}/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'sources:reader_personal': Row('/sources/{slug}/versions/{version}/personal/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # private fragment, empty for anonymous
    'sources:translation_add': Row('/sources/{slug}/translations/new/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # the source's maintainers and moderators upload a translation (ADR 0019)
    'sources:alignment_edit': Row('/sources/{slug}/translations/de/alignment/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # the source's maintainers and moderators correct the alignment; logged
    'sources:details_edit': Row('/sources/{slug}/details/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # the source's maintainers and moderators correct its record (not the slug or language); audited, re-indexed; a refused form is a 400 with nothing saved
    'sources:version_add': Row('/sources/{slug}/versions/new/', get=(302, 200, 200), post=(302, 200, 200), html=True),
    # Stewardship (docs/moderation.md). The paper has one version: its diff with itself.
    'sources:diff': Row('/sources/{slug}/diff/?from={version}&to={version}', get=(200, 200, 200), post=(405, 405, 405), html=True),
    'sources:version_accept': Row('/sources/{slug}/versions/{version}/accept/', get=(302, 405, 405), post=(302, 403, 400), html=False),  # the source's maintainers and moderators; a reason is required
    'sources:version_reject': Row('/sources/{slug}/versions/{version}/reject/', get=(302, 405, 405), post=(302, 403, 400), html=False),
    'sources:version_withdraw': Row('/sources/{slug}/versions/{version}/withdraw/', get=(302, 405, 405), post=(302, 403, 400), html=False),
    'sources:maintainer_add': Row('/sources/{slug}/maintainers/add/', get=(302, 405, 405), post=(302, 403, 400), html=False),
    'sources:maintainer_remove': Row('/sources/{slug}/maintainers/remove/', get=(302, 405, 405), post=(302, 403, 400), html=False),
    'search:personal': Row('/search/personal/?q=credit', get=(200, 200, 200), post=(405, 405, 405), html=False),  # the search page's private fragment: the viewer's own non-public notes and their groups' (empty for anonymous; never another's, moderators included)
    'accounts:profile': Row('/profile/', get=(302, 200, 200), post=(302, 200, 200), html=True),
    'accounts:token_regenerate': Row('/profile/token/', get=(302, 405, 405), post=(302, 302, 302), html=False),
    'accounts:token_revoke': Row('/profile/token/revoke/', get=(302, 405, 405), post=(302, 302, 302), html=False),
    'annotations:share': Row('/a/{annotation}/', get=(302, 302, 302), post=(405, 405, 405), html=False),  # to the reader with the thread open; 404 to whoever may not see the annotation
    'notifications:list': Row('/notifications/', get=(302, 200, 200), post=(302, 302, 302), html=True),  # one inbox: replies, mentions, decisions; POST marks read (all, or the ids posted that are the viewer's)
    'annotations:legend': Row('/reader/legend/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # the highlight legend: global moderators only (country moderators 403); an empty POST is an unknown action (400); each change audit-logged
    'annotations:reader_threads': Row('/reader/{document_id}/threads.json', get=(200, 200, 200), post=(405, 405, 405), html=False),  # public thread roots only, the same for everyone
    'annotations:reader_mine': Row('/reader/{document_id}/mine.json', get=(200, 200, 200), post=(405, 405, 405), html=False),  # the viewer's own extras; anonymous: {"user": null}
    # Reading groups (issue 14): personal pages. The contributor owns the invite-only group;
    # the site moderator is not a member, so to them it does not exist (404).
    'annotations:group_list': Row('/groups/', get=(302, 200, 200), post=(302, 400, 400), html=True),  # an empty form: 400
    'annotations:group_detail': Row('/groups/{group}/', get=(302, 200, 404), post=(302, 400, 404), html=True),  # empty action: 400
    'annotations:group_delete': Row('/groups/{group}/delete/', get=(302, 200, 404), post=(302, 302, 404), html=True),  # owners only (a member who is not an owner: 403, tests/annotations/test_group_manage.py); GET asks, POST deletes: its notes become private to their authors
    'annotations:group_join': Row('/groups/{group}/join/{group_token}/', get=(302, 302, 200), post=(302, 302, 302), html=True),  # a member is sent to the group; the invited join
    'atlas:map': Row('/atlas/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'atlas:embed': Row('/atlas/embed/', get=(200, 200, 200), post=(200, 200, 200), html=True),  # the one frameable page (frame-ancestors *)
    'atlas:example_personal': Row('/atlas/examples/personal/{example}/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # private fragment, empty for anonymous
    'atlas:example_history_personal': Row('/atlas/examples/personal/{example}/history/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'atlas:example_new': Row('/atlas/examples/new/', get=(302, 200, 200), post=(302, 400, 400), html=True),
    'atlas:similar_hint': Row('/atlas/examples/similar/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'atlas:example_transition': Row('/atlas/examples/{example}/transition/', get=(302, 405, 405), post=(302, 302, 302), html=False),
    'atlas:example_merge': Row('/atlas/examples/{example}/merge/', get=(302, 403, 200), post=(302, 403, 400), html=True),
    'atlas:example_restore': Row('/atlas/examples/{example}/restore/{history_id}/', get=(302, 403, 200), post=(302, 403, 400), html=True),
    'atlas:example_short': Row('/atlas/examples/{example}/', get=(302, 302, 302), post=(302, 302, 302), html=False),
    'atlas:example': Row('/atlas/examples/{example}/{example_slug}/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'atlas:example_lifecycle': Row('/atlas/examples/{example}/lifecycle/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # the entry's direct editors (moderators of its country; its author while it is theirs to edit); an empty POST is a form error
    'atlas:example_edit': Row('/atlas/examples/{example}/{example_slug}/edit/', get=(302, 200, 200), post=(302, 400, 400), html=True),  # the author or a moderator of its country; others suggest
    'atlas:example_suggest': Row('/atlas/examples/{example}/{example_slug}/suggest/', get=(302, 403, 200), post=(302, 403, 400), html=True),
    'atlas:example_history': Row('/atlas/examples/{example}/{example_slug}/history/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'atlas:merge_undo': Row('/atlas/merges/{merge}/undo/', get=(302, 405, 405), post=(302, 403, 302), html=False),
    'atlas:comment_restore': Row('/atlas/comments/{comment}/restore/', get=(302, 405, 405), post=(302, 403, 302), html=False),
    'atlas:suggestion_decide': Row('/atlas/suggestions/{suggestion}/decide/', get=(302, 405, 405), post=(302, 302, 302), html=False),
    'atlas:comment_post': Row('/atlas/comments/on/{example}/', get=(302, 405, 405), post=(302, 400, 400), html=False),
    'atlas:comment_delete': Row('/atlas/comments/{comment}/delete/', get=(302, 405, 405), post=(302, 403, 302), html=False),  # the comment's author or a moderator
    'atlas:comment_hide': Row('/atlas/comments/{comment}/hide/', get=(302, 405, 405), post=(302, 403, 302), html=False),  # moderators of the entry's country
    'releases:list': Row('/atlas/releases/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'releases:new': Row('/atlas/releases/new/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # global moderators only
    'releases:detail': Row('/atlas/releases/{release}/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'releases:retry': Row('/atlas/releases/{release}/retry/', get=(302, 405, 405), post=(302, 403, 302), html=False),  # a ready release: refused with a message
    'releases:doi': Row('/atlas/releases/{release}/doi/', get=(302, 405, 405), post=(302, 403, 302), html=False),
    'atlas:country': Row('/atlas/countries/{country}/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'atlas:research_status_set': Row('/atlas/countries/DE/research/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # moderators of the country; an empty POST is a form error
    'atlas:compare': Row('/atlas/compare/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'atlas:compare_csv': Row('/atlas/compare.csv', get=(400, 400, 400), post=(400, 400, 400), html=False),  # needs ?country=..: 400 without
    'atlas:compare_json': Row('/atlas/compare.json', get=(400, 400, 400), post=(400, 400, 400), html=False),  # needs ?entries=12,40 (2-4 published entries): 400 without
    'atlas:import': Row('/atlas/import/', get=(302, 403, 200), post=(302, 403, 400), html=True),  # moderators; an empty POST is "choose a file"
    'atlas:codebook': Row('/atlas/codebook/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    # Coding you can defend (apps/coding, docs/codebook.md). The world's entry has no coding request.
    'coding:codebook': Row('/coding/codebook/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'coding:history': Row('/coding/examples/{example}/history/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'coding:mine': Row('/coding/mine/', get=(302, 200, 200), post=(302, 200, 200), html=True),  # private: the viewer's codings and agreement
    'coding:coder_agreement_fragment': Row('/coding/users/{username}/agreement/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # private fragment of the public user page: empty unless the viewer is the coder or a moderator
    'coding:my_coding': Row('/coding/examples/{example}/mine/', get=(302, 404, 404), post=(302, 404, 404), html=False),  # assigned coders only; blind (no 200 in the world: pages tested in tests/coding/)
    'coding:request': Row('/coding/examples/{example}/request/', get=(302, 404, 200), post=(302, 404, 400), html=True),  # moderators of the country; no volunteers: 400
    'coding:reconcile': Row('/coding/examples/{example}/reconcile/', get=(302, 404, 404), post=(302, 404, 404), html=False),  # moderators of the country, with an open request (tests/coding/)
    'moderation:queue': Row('/moderation/', get=(302, 403, 200), post=(302, 403, 400), html=True),
    'moderation:item_detail': Row('/moderation/items/{item}/', get=(302, 403, 200), post=(302, 405, 405), html=False),  # a queue row in full (private fragment): moderators who may work the item
    'moderation:claim': Row('/moderation/items/{item}/claim/', get=(302, 405, 405), post=(302, 403, 302), html=False),
    'moderation:release': Row('/moderation/items/{item}/release/', get=(302, 405, 405), post=(302, 403, 302), html=False),
    'moderation:log': Row('/moderation/log/', get=(302, 403, 200), post=(302, 403, 200), html=True),
    'moderation:users': Row('/moderation/users/', get=(302, 403, 200), post=(302, 405, 405), html=True),  # the user directory (issue 19): moderators only; GET only
    'moderation:user': Row('/moderation/users/{username}/', get=(302, 403, 200), post=(302, 403, 200), html=True),
    # POST only (login required); an empty form redirects back with the error as a message.
    'moderation:flag': Row('/moderation/flag/', get=(302, 405, 405), post=(302, 302, 302), html=False),
    'moderation:notices': Row('/moderation/notices/', get=(301, 301, 301), post=(405, 405, 405), html=False),  # the old notices page: a permanent redirect to /notifications/ (links in old e-mails)
    'moderation:history': Row('/moderation/history/annotation/{annotation}/', get=(302, 200, 200), post=(302, 200, 200), html=True),  # an annotation's author reads its history too; a private one is its author's alone (tests/annotations/test_privacy.py)
    'moderation:history_restore_deleted': Row('/moderation/history/annotation/{annotation}/restore/', get=(302, 405, 405), post=(302, 403, 302), html=False),
    'search:search': Row('/search/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'search:activity': Row('/activity/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'search:activity_feed': Row('/activity/feed/', get=(200, 200, 200), post=(200, 200, 200), html=False),
    'search:contributor': Row('/users/{username}/', get=(200, 200, 200), post=(200, 200, 200), html=True),
    'search:saved_list': Row('/search/saved/', get=(302, 200, 200), post=(302, 400, 400), html=True),  # an empty POST saves nothing: "type a word" (400)
    'search:saved_change': Row('/search/saved/999999/', get=(302, 405, 405), post=(302, 404, 404), html=False),  # only the owner's saved search exists for them
    'search:saved_feed': Row('/search/saved/feed/not-a-token/', get=(404, 404, 404), post=(404, 404, 404), html=False),  # the secret token is the only key
    'api-schema': Row('/api/schema/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-docs': Row('/api/docs/', get=(200, 200, 200), post=(405, 405, 405), html=True),
    'api-source-list': Row('/api/sources/', get=(200, 200, 200), post=(401, 400, 400), html=False),  # POST: multipart upload of a new source
    'api-source-import-status': Row('/api/sources/imports/{document_id}/', get=(404, 404, 200), post=(405, 405, 405), html=False),  # the uploader and the source's stewards
    'api-source-translation': Row('/api/sources/{slug}/translations/de/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # aligned pairs, public
    'api-source-diff': Row('/api/sources/{slug}/diff/?from={version}&to={version}', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-source-maintainers': Row('/api/sources/{slug}/maintainers/', get=(200, 200, 200), post=(401, 403, 400), html=False),
    'api-source-maintainer': Row('/api/sources/{slug}/maintainers/{username}/', get=(405, 405, 405), post=(401, 405, 405), html=False),  # DELETE only
    'api-source-versions': Row('/api/sources/{slug}/versions/', get=(200, 200, 200), post=(401, 400, 400), html=False),  # POST: upload a version (a proposal unless a steward)
    'api-source-version-decision': Row('/api/sources/{slug}/versions/{version}/accept/', get=(405, 405, 405), post=(401, 403, 400), html=False),  # accept, reject or withdraw
    'api-source-detail': Row('/api/sources/{slug}/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # PATCH: the source's stewards correct its record (test_details_edit.py: 401/403/400 by field)
    'api-source-version': Row('/api/sources/{slug}/versions/{version}/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-group-list': Row('/api/groups/', get=(401, 200, 200), post=(401, 400, 400), html=False),
    'api-group-detail': Row('/api/groups/{group}/', get=(401, 200, 404), post=(401, 405, 405), html=False),
    'api-group-members': Row('/api/groups/{group}/members/', get=(401, 200, 404), post=(401, 200, 404), html=False),  # POST without username: join (a member already: no change)
    'api-group-invite': Row('/api/groups/{group}/invite/', get=(401, 405, 405), post=(401, 200, 404), html=False),  # owners
    'api-annotation-list': Row('/api/annotations/', get=(200, 200, 200), post=(401, 400, 400), html=False),
    'api-annotation-tags': Row('/api/annotations/tags/?q=a', get=(200, 200, 200), post=(405, 405, 405), html=False),  # public tags in use site-wide (the same for everyone; never a private or group note's); GET only; q over 64 characters or a bad limit: 400
    'api-annotation-preview': Row('/api/annotations/preview/', get=(401, 405, 405), post=(401, 400, 400), html=False),
    'api-annotation-detail': Row('/api/annotations/{annotation}/', get=(200, 200, 200), post=(401, 405, 405), html=False),
    'api-annotation-hide': Row('/api/annotations/{annotation}/hide/', get=(401, 405, 405), post=(401, 403, 200), html=False),  # global moderators
    'api-annotation-restore': Row('/api/annotations/{annotation}/restore/', get=(401, 405, 405), post=(401, 403, 200), html=False),  # as hide
    'api-annotation-reattach': Row('/api/annotations/{annotation}/reattach/', get=(401, 405, 405), post=(401, 400, 400), html=False),
    'api-source-annotations-jsonld': Row('/api/sources/{slug}/annotations.jsonld', get=(200, 200, 200), post=(401, 405, 405), html=False),
    'api-source-annotations-csv': Row('/api/sources/{slug}/annotations.csv', get=(200, 200, 200), post=(401, 405, 405), html=False),
    'api-example-list': Row('/api/examples/', get=(200, 200, 200), post=(401, 400, 400), html=False),
    'api-example-export-csv': Row('/api/examples/export.csv', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-example-export-geojson': Row('/api/examples/export.geojson', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-example-export-jsonld': Row('/api/examples/export.jsonld', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-example-detail': Row('/api/examples/{example}/', get=(200, 200, 200), post=(401, 405, 405), html=False),
    'api-example-merge': Row('/api/examples/{example}/merge/', get=(401, 403, 400), post=(401, 400, 400), html=False),  # GET: the preview (?into=), moderators only
    'api-example-restore': Row('/api/examples/{example}/restore/', get=(405, 405, 405), post=(401, 400, 400), html=False),
    'api-example-history': Row('/api/examples/{example}/history/', get=(200, 200, 200), post=(401, 405, 405), html=False),
    'api-example-lifecycle': Row('/api/examples/{example}/lifecycle/', get=(200, 200, 200), post=(401, 403, 400), html=False),  # dated lifecycle changes: read by whoever sees the entry, recorded by its direct editors
    'api-example-lifecycle-event': Row('/api/examples/{example}/lifecycle/{lifecycle_event}/', get=(405, 405, 405), post=(401, 405, 405), html=False),  # PATCH (correct) and DELETE only, the entry's direct editors (tests/atlas/test_lifecycle.py, test_lifecycle_coding.py)
    'api-example-comments': Row('/api/examples/{example}/comments/', get=(200, 200, 200), post=(401, 400, 400), html=False),
    'api-comment': Row('/api/comments/{comment}/', get=(405, 405, 405), post=(401, 405, 405), html=False),  # DELETE only: tests/atlas/test_comments_api.py
    'api-comment-hide': Row('/api/comments/{comment}/hide/', get=(405, 405, 405), post=(401, 403, 200), html=False),  # an empty form body reads as hidden=false ("show again"): moderators only; roles: tests/atlas/test_comments_api.py
    'api-example-suggestions': Row('/api/examples/{example}/suggestions/', get=(200, 200, 200), post=(401, 400, 400), html=False),  # roles: tests/atlas/test_suggestions_api.py
    'api-suggestion-decide': Row('/api/suggestions/{suggestion}/decide/', get=(405, 405, 405), post=(401, 400, 400), html=False),  # an empty body fails validation first; roles: tests/atlas/test_suggestions_api.py
    'api-merge-undo': Row('/api/merges/{merge}/undo/', get=(405, 405, 405), post=(401, 403, 400), html=False),
    'api-example-transition': Row('/api/examples/{example}/transition/', get=(405, 405, 405), post=(401, 400, 400), html=False),
    'api-release-list': Row('/api/releases/', get=(200, 200, 200), post=(401, 403, 400), html=False),  # POST: global moderators cut a release
    'api-release-detail': Row('/api/releases/{release}/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-release-progress': Row('/api/releases/{release}/progress/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-release-file': Row('/api/releases/{release}/files/entries.csv', get=(200, 200, 200), post=(405, 405, 405), html=False),  # immutable bytes, ETag = SHA-256
    'api-atlas-countries': Row('/api/atlas/countries/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-atlas-research-status': Row('/api/atlas/countries/DE/research/', get=(401, 405, 405), post=(401, 403, 400), html=False),  # moderators of the country; reason required
    'api-example-citations': Row('/api/examples/{example}/citations/', get=(200, 200, 200), post=(401, 405, 405), html=False),  # PUT: who may edit the entry; tests/coding/test_citations.py
    'api-example-citation-check': Row('/api/examples/{example}/citations/check/', get=(401, 405, 405), post=(401, 403, 400), html=False),  # who may cite the entry directly; checks, stores nothing; tests/coding/test_entry_form.py
    'api-citation-passages': Row('/api/citations/passages/', get=(401, 200, 200), post=(401, 405, 405), html=False),  # signed in: the entry form's passage picker
    'api-example-coding-requests': Row('/api/examples/{example}/coding-requests/', get=(200, 200, 200), post=(401, 403, 400), html=False),  # moderators of the country; no volunteers: 400
    'api-coding-request-batch': Row('/api/coding-requests/batch/', get=(405, 405, 405), post=(401, 403, 400), html=False),  # moderators; the world has new entries but no volunteer coders: 400
    'api-my-coding': Row('/api/examples/{example}/codings/mine/', get=(404, 404, 404), post=(401, 405, 405), html=False),  # assigned coders only (PUT); blind
    'api-coding': Row('/api/codings/999999/', get=(404, 404, 404), post=(401, 405, 405), html=False),  # others' codings 404 until reconciled
    'api-reconcile': Row('/api/examples/{example}/reconcile/', get=(405, 405, 405), post=(401, 403, 400), html=False),  # moderators of the country; no open request: 400
    'api-atlas-agreement': Row('/api/atlas/agreement/', get=(200, 200, 200), post=(401, 405, 405), html=False),
    'api-codebook-versions': Row('/api/codebook/versions/', get=(200, 200, 200), post=(401, 403, 400), html=False),  # a change: global moderators, with a reason
    'api-my-agreement': Row('/api/codings/agreement/mine/', get=(401, 200, 200), post=(401, 405, 405), html=False),  # private
    'api-atlas-country': Row('/api/atlas/countries/{country}/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-moderation-items': Row('/api/moderation/items/', get=(401, 403, 200), post=(401, 405, 405), html=False),
    'api-moderation-claim': Row('/api/moderation/items/{item}/claim/', get=(401, 405, 405), post=(401, 403, 200), html=False),
    'api-moderation-decide': Row('/api/moderation/items/{item}/decide/', get=(401, 405, 405), post=(401, 400, 400), html=False),  # an empty body fails validation first; roles: tests/moderation
    'api-moderation-log': Row('/api/moderation/log/', get=(401, 403, 200), post=(401, 405, 405), html=False),
    'api-flags': Row('/api/flags/', get=(401, 405, 405), post=(401, 400, 400), html=False),
    'api-me': Row('/api/me/', get=(200, 200, 200), post=(405, 405, 405), html=False),  # the viewer's own: private, empty of personal data for anonymous
    'api-search': Row('/api/search/', get=(200, 200, 200), post=(405, 405, 405), html=False),
    'api-search-suggest': Row('/api/search/suggest/?q=sc', get=(200, 200, 200), post=(405, 405, 405), html=False),
}  # fmt: skip
