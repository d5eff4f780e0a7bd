app_name = "atlas"

urlpatterns: list = []

api_urlpatterns: list = []
