from django.urls import path

from . import api, panel_api, views

app_name = "coding"

urlpatterns = [
    path("codebook/", views.codebook, name="codebook"),
    path("mine/", views.my_codings, name="mine"),
    path(
        "users/<str:username>/agreement/",
        views.coder_agreement_fragment,
        name="coder_agreement_fragment",
    ),
    path("examples/<int:pk>/mine/", views.my_coding, name="my_coding"),
    path("examples/<int:pk>/reconcile/", views.reconcile, name="reconcile"),
    path("examples/<int:pk>/request/", views.request_coding, name="request"),
    path("examples/<int:pk>/history/", views.coding_history, name="history"),
]

api_urlpatterns = [
    path("examples/<int:pk>/citations/", api.CitationsAPI.as_view(), name="api-example-citations"),
    path(
        "examples/<int:pk>/citations/check/",
        panel_api.CitationCheckAPI.as_view(),
        name="api-example-citation-check",
    ),
    path("citations/passages/", panel_api.PassageSearchAPI.as_view(), name="api-citation-passages"),
    path(
        "examples/<int:pk>/coding-requests/",
        api.CodingRequestsAPI.as_view(),
        name="api-example-coding-requests",
    ),
    path(
        "coding-requests/batch/",
        api.CodingRequestBatchAPI.as_view(),
        name="api-coding-request-batch",
    ),
    path("examples/<int:pk>/codings/mine/", api.MyCodingAPI.as_view(), name="api-my-coding"),
    path("codings/<int:pk>/", api.CodingDetailAPI.as_view(), name="api-coding"),
    path("examples/<int:pk>/reconcile/", api.ReconcileAPI.as_view(), name="api-reconcile"),
    path("atlas/agreement/", api.AgreementAPI.as_view(), name="api-atlas-agreement"),
    path("codebook/versions/", api.CodebookVersionsAPI.as_view(), name="api-codebook-versions"),
    path("codings/agreement/mine/", api.MyAgreementAPI.as_view(), name="api-my-agreement"),
]
