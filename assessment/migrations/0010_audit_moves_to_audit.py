# The audit trail now belongs to ``audit`` (its 0001); it leaves this app's state. State only: the table
# (``assessment_auditentry``) and its rows stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0009_grade_history'),
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEntry')],
            database_operations=[],
        ),
    ]
