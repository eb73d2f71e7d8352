# Periods now live in ``periods`` (its 0001): the foreign keys point there. State only: the tables keep their
# names, so nothing in the database changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('periods', '0001_initial'),
        ('scoring', '0002_default_event_standards'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='period',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='periods.period', verbose_name='period'),
                ),
                migrations.AlterField(
                    model_name='monthlyimport',
                    name='period',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='monthly_imports', to='periods.period', verbose_name='period'),
                ),
                migrations.AlterField(
                    model_name='scoresheet',
                    name='period',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='score_sheets', to='periods.period', verbose_name='period'),
                ),
            ],
        ),
    ]
