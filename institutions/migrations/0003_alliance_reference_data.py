"""The four alliances SURF's eduXchange profile knows, with the theme vocabularies it fixes (LDE: codes 10 to
19; EuroTeQ: subject names). A snapshot of ``institutions.alliances`` as it was when this was written."""

from django.db import migrations

LDE = [str(code) for code in range(10, 20)]
EUROTEQ = [
    "Architecture and Construction",
    "Business and Economics",
    "Chemistry and Biology",
    "Computer Science and ICT, Data, AI",
    "Electrical Engineering",
    "Entrepreneurship",
    "Food and Health Sciences, Medical engineering",
    "Languages and Culture",
    "Manufacturing and Processing",
    "Mathematics and Statistics",
    "Mechanical Engineering",
    "Physics and Energy",
    "Transport",
    "Other subject area",
]
ALLIANCES = [
    (
        "ewuu",
        "Alliantie TU/e, Wageningen University & Research, Universiteit Utrecht en UMC Utrecht",
        "Alliance of TU/e, Wageningen University & Research, Utrecht University and UMC Utrecht",
        [],
    ),
    ("lde", "Leiden-Delft-Erasmus Universiteiten", "Leiden-Delft-Erasmus Universities", LDE),
    ("euroteq", "EuroTeQ Engineering University", "EuroTeQ Engineering University", EUROTEQ),
    ("kom", "Kies op Maat", "Kies op Maat (minors of universities of applied sciences)", []),
]


def create(apps, schema_editor):
    Alliance = apps.get_model("institutions", "Alliance")
    AllianceTheme = apps.get_model("institutions", "AllianceTheme")
    for code, name_nl, name_en, themes in ALLIANCES:
        alliance, _ = Alliance.objects.get_or_create(code=code, defaults={"name_nl": name_nl, "name_en": name_en})
        for theme in themes:
            AllianceTheme.objects.get_or_create(alliance=alliance, code=theme)


class Migration(migrations.Migration):
    dependencies = [("institutions", "0002_alliances")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
