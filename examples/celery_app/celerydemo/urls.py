from django.urls import path

from celerydemo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("ask", views.enqueue, name="ask"),
    path("runs/<str:task_id>", views.run, name="run"),
    path("runs/<str:task_id>/state.json", views.run_json, name="run_json"),
]
