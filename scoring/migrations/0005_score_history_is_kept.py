# The score history is never deleted from under: a sheet, a person or an import with history is protected.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0004_event_check_and_evidence'),
        ('units', '0005_cadres'),
    ]

    operations = [
        migrations.AlterField(
            model_name='monthlyscorechange',
            name='batch',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='scoring.monthlyimport', verbose_name='import'),
        ),
        migrations.AlterField(
            model_name='monthlyscorechange',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.person', verbose_name='person'),
        ),
        migrations.AlterField(
            model_name='scorechange',
            name='sheet',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='scoring.scoresheet', verbose_name='score sheet'),
        ),
    ]
