"""The enrolment pages' small zone (a home and a host institution, staff, students, offerings) and a submitted
request, for the security tests that walk pages and APIs."""

from tests.enrolment_pages.conftest import submitted, zone  # noqa: F401 (fixtures for this folder)
