from django.urls import path

from enrolment import views

app_name = "enrolment"

urlpatterns = [
    path("offerings/<int:offering_id>/enrol/", views.enrol, name="enrol"),
    path("offerings/<int:offering_id>/enrol/alternatives/", views.alternative_search, name="alternatives"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<uuid:public_id>/", views.request_detail, name="request"),
    path("requests/<uuid:public_id>/status/", views.request_status, name="request_status"),
    path("requests/<uuid:public_id>/act/", views.request_action, name="request_action"),
    path("requests/<uuid:public_id>/motivation/", views.request_motivation, name="motivation"),
    path("requests/<uuid:public_id>/document/", views.request_document, name="document"),
    path("staff/", views.staff_home, name="staff"),
    path("staff/offerings/<int:offering_id>/seats/", views.offering_seats_page, name="seats"),
    path("staff/<slug:code>/incoming/", views.staff_queue_page, {"side": "incoming"}, name="incoming"),
    path("staff/<slug:code>/outgoing/", views.staff_queue_page, {"side": "outgoing"}, name="outgoing"),
    path("staff/<slug:code>/outgoing/bulk/", views.staff_bulk, name="bulk"),
]
