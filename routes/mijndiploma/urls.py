from django.urls import path

from routes.mijndiploma import views

app_name = "mijndiploma"

urlpatterns = [
    path("", views.compose, name="compose"),
    path("audit/", views.audit, name="audit"),
    path("portfolios/", views.portfolios, name="portfolios"),
    path("versions/<int:pk>/", views.overview, name="overview"),
    path("versions/<int:pk>.pdf", views.overview_pdf, name="overview_pdf"),
    path("items/<int:pk>/enrol/", views.item_enrol, name="enrol"),
    path("board/", views.board_queue, name="board"),
    path("board/<int:pk>/", views.board_review, name="review"),
    path("board/rules/", views.board_rules, name="rules"),
    path("staff/portfolios/", views.portfolio_list, name="portfolio_manage"),
    path("staff/portfolios/new/", views.portfolio_edit, name="portfolio_new"),
    path("staff/portfolios/<int:pk>/", views.portfolio_edit, name="portfolio_edit"),
]
