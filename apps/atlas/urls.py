from django.urls import path

from . import api, views

app_name = "atlas"

urlpatterns = [
    path("", views.atlas_map, name="map"),
    path("examples/new/", views.example_new, name="example_new"),
    path("examples/similar/", views.similar_hint, name="similar_hint"),
    path("examples/<int:pk>/transition/", views.example_transition, name="example_transition"),
    path("examples/<int:pk>/", views.example_detail, name="example_short"),
    path("examples/<int:pk>/<slug:slug>/", views.example_detail, name="example"),
    path("examples/<int:pk>/<slug:slug>/edit/", views.example_edit, name="example_edit"),
    path("examples/<int:pk>/<slug:slug>/suggest/", views.example_suggest, name="example_suggest"),
    path("suggestions/<int:pk>/decide/", views.suggestion_decide, name="suggestion_decide"),
    path("comments/on/<int:pk>/", views.comment_post, name="comment_post"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
    path("countries/<str:code>/", views.country, name="country"),
    path("compare/", views.compare, name="compare"),
    path("compare.csv", views.compare_csv, name="compare_csv"),
    path("codebook/", views.codebook, name="codebook"),
]

api_urlpatterns = [
    path("examples/", api.ExampleListCreateAPI.as_view(), name="api-example-list"),
    path("examples/export.csv", api.ExportCsvAPI.as_view(), name="api-example-export-csv"),
    path(
        "examples/export.geojson", api.ExportGeoJsonAPI.as_view(), name="api-example-export-geojson"
    ),
    path("examples/export.jsonld", api.ExportJsonLdAPI.as_view(), name="api-example-export-jsonld"),
    path("examples/<int:pk>/", api.ExampleDetailAPI.as_view(), name="api-example-detail"),
    path(
        "examples/<int:pk>/transition/",
        api.ExampleTransitionAPI.as_view(),
        name="api-example-transition",
    ),
    path("atlas/countries/", api.CountryListAPI.as_view(), name="api-atlas-countries"),
    path("atlas/countries/<str:code>/", api.CountryDetailAPI.as_view(), name="api-atlas-country"),
]
