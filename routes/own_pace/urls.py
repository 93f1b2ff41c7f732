from django.urls import path

from routes.own_pace import views

app_name = "own_pace"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("plan/<int:pk>/remove/", views.plan_remove, name="plan_remove"),
    path("contract/", views.contract, name="contract"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.csv", views.ledger_download, name="ledger_csv"),
    path("staff/<slug:code>/", views.staff_contracts, name="staff"),
    path("staff/<slug:code>/students/<int:student_id>/ledger/", views.staff_ledger, name="staff_ledger"),
]
