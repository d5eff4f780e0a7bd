"""Static files storage for production: WhiteNoise's compressed manifest storage, plus
Django's rewriting of relative ES module specifiers (``import … from "./api.js"``) to the
hashed names, for the reader's modules (static/js/annotations/) only, so they are cached
forever like every other hashed file and a deploy never mixes old and new modules.

Not Django's ``support_js_module_import_aggregation`` switch: that applies to every
script, and third-party ones (django-htmx's extensions) use bare specifiers that name no
static file, which fails ``collectstatic``."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

READER_MODULE_PATTERNS = (
    "js/annotations/*.js",
    ManifestStaticFilesStorage._js_module_import_aggregation_patterns[1],
)


class ModuleAwareManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (*CompressedManifestStaticFilesStorage.patterns, READER_MODULE_PATTERNS)
