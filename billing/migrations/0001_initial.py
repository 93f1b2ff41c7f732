from django.db import migrations


class Migration(migrations.Migration):
    """The app's first node: tuition, invoices and settlement each add their tables after it."""

    initial = True
    dependencies: list = []
    operations: list = []
