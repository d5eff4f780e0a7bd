app_name = "annotations"

urlpatterns: list = []

api_urlpatterns: list = []
