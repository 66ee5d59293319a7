from django.urls import path

from sla import views

app_name = "sla"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/export.csv", views.report_csv, name="report-csv"),
]
