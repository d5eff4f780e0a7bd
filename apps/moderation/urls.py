app_name = "moderation"

urlpatterns: list = []

api_urlpatterns: list = []
