app_name = "search"

urlpatterns: list = []

api_urlpatterns: list = []
