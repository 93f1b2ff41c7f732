"""The demo zone: ``python manage.py seed_demo`` creates what ``make run`` shows (see the README's demo logins)."""
