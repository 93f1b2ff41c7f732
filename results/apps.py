from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = _("Results and recognition")

    def ready(self) -> None:
        from catalogue.personal import PersonalFilter, personal_filter_register
        from enrolment.selectors import precedent_finder_register
        from enrolment.services.approval import recogniser_register
        from notifications.kinds import kind_register
        from results.messages import notification_title
        from results.selectors import offerings_counting_for, precedents_matching, precedents_version
        from results.services.recognition import precedent_recognises

        # A standing recognition decision approves a request at home without staff, and staff see the
        # decisions that match on a request's page.
        recogniser_register(precedent_recognises)
        precedent_finder_register(precedents_matching)
        # The catalogue's "counts for my programme": a filter and a badge.
        personal_filter_register(
            PersonalFilter(
                name="counts",
                label=_("Counts for my programme"),
                offerings=offerings_counting_for,
                version=precedents_version,
                badge=_("Counts for your programme"),
            )
        )
        kind_register("results.", notification_title)
