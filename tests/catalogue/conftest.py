import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Mode
from catalogue.services import search_index_refresh
from tests.factories import (
    AcademicPeriodFactory,
    CourseFactory,
    InstitutionFactory,
    ModuleFactory,
    OfferingFactory,
    ThemeFactory,
)


@pytest.fixture
def small_catalogue(db):
    """Two institutions, five offerings whose facet values are known exactly."""
    now = timezone.now()
    utrecht = InstitutionFactory(code="hu-t", short_name="HU", city="Utrecht")
    delft = InstitutionFactory(code="tud-t", short_name="TUD", city="Delft")
    energy = ThemeFactory(code="energy-t", bit=3, name_nl="Energie", name_en="Energy")
    data = ThemeFactory(code="data-t", bit=5, name_nl="Data", name_en="Data")
    p_hu = AcademicPeriodFactory(
        academic_year__institution=utrecht, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 4, 16)
    )
    p_tud = AcademicPeriodFactory(
        academic_year__institution=delft, start_date=dt.date(2027, 4, 19), end_date=dt.date(2027, 6, 30)
    )
    solar = CourseFactory(
        institution=utrecht,
        code="ENE101",
        title_nl="Zonne-energie in de praktijk",
        title_en="Solar Energy in Practice",
        ec=5,
        language="nl",
    )
    solar.themes.add(energy)
    wind = CourseFactory(
        institution=delft,
        code="ENE201",
        title_nl="Windenergie op zee",
        title_en="Offshore Wind Energy",
        ec=7.5,
        language="en",
        level="master",
        eqf_level=7,
    )
    wind.themes.add(energy)
    ml = CourseFactory(
        institution=delft,
        code="DAT300",
        title_nl="Machinaal leren",
        title_en="Machine Learning",
        description_nl="Algoritmen die leren van gegevens.",
        description_en="Algorithms that learn from examples.",
        ec=5,
        language="en",
        suitable_routes=["my_diploma"],
    )
    ml.themes.add(data)
    law = CourseFactory(
        institution=utrecht,
        code="LAW100",
        title_nl="Europees recht",
        title_en="European Law",
        description_nl="Het recht van de Europese Unie.",
        description_en="The law of the European Union.",
        ec=3,
        language="nl",
    )
    module = ModuleFactory(
        institution=utrecht,
        code="MOD-DATA",
        title_nl="Data voor professionals",
        title_en="Data for Professionals",
        ec=10,
        is_microcredential=True,
    )
    module.themes.add(data)
    offerings = {
        "solar": OfferingFactory(course=solar, period=p_hu, mode=Mode.ON_CAMPUS, city="Utrecht", capacity=30),
        "wind": OfferingFactory(
            course=wind,
            period=p_tud,
            mode=Mode.HYBRID,
            city="Delft",
            capacity=20,
            enrol_opens_at=now + dt.timedelta(days=3),
            enrol_closes_at=now + dt.timedelta(days=30),
        ),
        "ml": OfferingFactory(course=ml, period=p_tud, mode=Mode.ONLINE, city="", capacity=100),
        "law": OfferingFactory(course=law, period=p_hu, mode=Mode.ON_CAMPUS, city="Utrecht", capacity=0),
        "module": OfferingFactory(
            course=None,
            module=module,
            period=p_hu,
            mode=Mode.ONLINE,
            city="",
            capacity=15,
            visible_guests=True,
            visible_professionals=True,
        ),
        "hidden": OfferingFactory(
            course=CourseFactory(
                institution=utrecht,
                code="INT001",
                title_nl="Alleen eigen studenten energie",
                title_en="Own students only energy",
            ),
            period=p_hu,
            visible_partners=False,
            visible_guests=False,
            visible_professionals=False,
        ),
    }
    search_index_refresh()
    return {
        "institutions": {"hu": utrecht, "tud": delft},
        "themes": {"energy": energy, "data": data},
        "offerings": offerings,
    }
