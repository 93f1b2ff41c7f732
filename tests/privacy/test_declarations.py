"""Every model says how it holds personal data (``core.privacy``): a model added later cannot be forgotten."""

from django.apps import apps
from django.conf import settings

from core.privacy import NONE, declarations

PEOPLE = {settings.AUTH_USER_MODEL, "accounts.StudentProfile"}


def _relations(model) -> set[str]:
    return {
        f.related_model._meta.label
        for f in model._meta.get_fields()
        if f.is_relation and f.concrete and f.related_model is not None
    }


def models_about_people() -> set[str]:
    """Models pointing at a person, or at a model declared to be about one, to the fixed point."""
    declared = declarations()
    personal = set(PEOPLE) | {label for label, d in declared.items() if d.erasure != NONE}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            label = model._meta.label
            if label not in found and _relations(model) & personal:
                found.add(label)
                if declared.get(label) is None or declared[label].erasure != NONE:
                    personal.add(label)
                changed = True
    return found


def test_every_model_pointing_at_a_person_declares_how_it_holds_personal_data():
    undeclared = sorted(models_about_people() - set(declarations()))
    assert undeclared == [], f"declare these in their app's personal_data.py: {undeclared}"


def test_the_people_themselves_are_declared():
    assert set(declarations()) >= PEOPLE


def test_every_declaration_names_a_model_and_lookups_that_work(db):
    for label, declaration in declarations().items():
        model = apps.get_model(label)
        for lookup in declaration.about:
            model._default_manager.filter(**{lookup: 0}).exists()  # raises FieldError if the lookup is wrong
        names = {f.name for f in model._meta.concrete_fields}
        assert set(declaration.replace) <= names, label
        assert set(declaration.hidden) <= names, label
        assert str(declaration.why), label


def test_the_check_catches_a_model_that_declares_nothing(monkeypatch):
    """The control: take one declaration away and the walk names the model."""
    from core import privacy

    kept = privacy._declarations.copy()
    monkeypatch.setattr(privacy, "_declarations", {k: v for k, v in kept.items() if k != "results.Result"})
    assert "results.Result" in models_about_people() - set(privacy.declarations())
