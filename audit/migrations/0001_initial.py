# The audit trail moves from ``assessment`` to ``audit``, below every app that acts, without touching a row: the
# table keeps its name (``db_table``), so this migration only tells Django's state that the model now belongs here
# (as it stood at assessment 0009), and hands its content type (and so its permissions and admin log entries) over.
# ``assessment`` 0010 drops the old state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def hand_over_content_type(apps, schema_editor, *, source="assessment", target="audit"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=target, model="auditentry").exists():
        types.filter(app_label=source, model="auditentry").update(app_label=target)


def hand_back_content_type(apps, schema_editor):
    hand_over_content_type(apps, schema_editor, source="audit", target="assessment")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('assessment', '0009_grade_history'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('periods', '0002_publicity_shows_scores'),
        ('units', '0005_cadres'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                        ('action', models.CharField(max_length=40, verbose_name='act')),
                        ('from_status', models.CharField(blank=True, max_length=20, verbose_name='from')),
                        ('to_status', models.CharField(blank=True, max_length=20, verbose_name='to')),
                        ('comment', models.TextField(blank=True, verbose_name='comment')),
                        ('changes', models.JSONField(blank=True, default=dict, verbose_name='changes')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('period', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit', to='periods.period', verbose_name='period')),
                        ('assessment_year', models.ForeignKey(blank=True, help_text='For the acts of the annual assessment.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit', to='periods.assessmentyear', verbose_name='assessment year')),
                        ('region', models.ForeignKey(blank=True, help_text='For the acts of a region that belong to no period or year, such as a history import.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.region', verbose_name='region')),
                        ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='unit')),
                        ('result', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit', to='assessment.quarterlyresult', verbose_name='result')),
                        ('annual', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit', to='assessment.annualresult', verbose_name='annual result')),
                    ],
                    options={
                        'verbose_name': 'audit entry',
                        'verbose_name_plural': 'audit trail',
                        'db_table': 'assessment_auditentry',
                        'ordering': ['at', 'id'],
                        'indexes': [models.Index(fields=['period', 'unit', 'at'], name='assessment__period__1196cd_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('period__isnull', False), ('assessment_year__isnull', False), ('region__isnull', False), _connector='OR'), name='audit_entry_has_a_period_a_year_or_a_region')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(hand_over_content_type, hand_back_content_type),
    ]
