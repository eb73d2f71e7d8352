# The trail of every act: the person an act concerns, the object changed and the network address it came from.
# The check that every entry has a period, a year or a region goes: a failed login under an unknown name has
# none (only a system administrator sees it).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0010_audit_moves_to_audit'),
        ('audit', '0001_initial'),
        ('periods', '0002_publicity_shows_scores'),
        ('units', '0005_cadres'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='auditentry',
            name='audit_entry_has_a_period_a_year_or_a_region',
        ),
        migrations.AddField(
            model_name='auditentry',
            name='address',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='network address'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='object_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='object key'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='object_type',
            field=models.CharField(blank=True, max_length=40, verbose_name='object'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='person',
            field=models.ForeignKey(blank=True, help_text='The person the act concerns.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.person', verbose_name='person'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['unit', 'at'], name='audit_unit_at'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['region', 'at'], name='audit_region_at'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['person', 'at'], name='audit_person_at'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['at'], name='audit_at'),
        ),
    ]
