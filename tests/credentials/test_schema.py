import pytest


@pytest.mark.skip(
    reason="The 1EdTech OB 3.0 AchievementCredential JSON Schema is not bundled: no npm package found carries it, "
    "and it must not be written by hand (credentials/openbadges/contexts/README.md). Validate the builder's output "
    "with jsonschema (installed) once a package brings the schema."
)
def test_the_builders_credential_validates_against_the_open_badges_json_schema():
    """Placeholder for the issue's 'Spec examples' check."""
