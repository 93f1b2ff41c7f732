"""Money, exactly: tuition per EC and the student's ledger, module-only learners' invoices, and settlement
between institutions. Each part keeps its tables in a module of its own, gathered here."""

from billing.models_invoices import *  # noqa: F401,F403
from billing.models_settlement import *  # noqa: F401,F403
from billing.models_tuition import *  # noqa: F401,F403
