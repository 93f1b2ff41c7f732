from django.urls import path

from results import views

app_name = "results"

urlpatterns = [
    path("host/<slug:code>/", views.host_results, name="host"),
    path("requests/<uuid:public_id>/", views.request_results, name="request"),
    path("requests/<uuid:public_id>/preapproval/", views.preapproval_ask, name="preapproval"),
    path("board/", views.board_queue, name="board"),
    path("board/<int:pk>/", views.board_decide, name="decide"),
    path("precedents/", views.precedents, name="precedents"),
    path("conversions/", views.conversions, name="conversions"),
    path("transcript/", views.transcript, name="transcript"),
    path("transcript.pdf", views.transcript_pdf, name="transcript_pdf"),
]
