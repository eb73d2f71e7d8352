# The years, periods and holiday calendar move from ``assessment`` to ``periods`` without touching a row:
# their tables keep their names (``db_table``), so this migration only tells Django's state that the models
# now belong here, and hands their content types (and so their permissions and admin log entries) over.
# ``assessment`` 0007 and ``scoring`` 0003 point their foreign keys here and drop the old state.

import django.core.validators
import django.db.models.deletion
import periods.models
from decimal import Decimal
from django.db import migrations, models


MOVED = ("assessmentyear", "period", "calendarday")


def hand_over_content_types(apps, schema_editor, *, source="assessment", target="periods"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def hand_back_content_types(apps, schema_editor):
    hand_over_content_types(apps, schema_editor, source="periods", target="assessment")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('assessment', '0006_register_export_private_file'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('units', '0004_person_duties'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CalendarDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(unique=True, verbose_name='date')),
                        ('is_workday', models.BooleanField(verbose_name='working day')),
                        ('name', models.CharField(blank=True, max_length=50, verbose_name='name')),
                    ],
                    options={
                        'verbose_name': 'calendar day',
                        'verbose_name_plural': 'holiday calendar',
                        'db_table': 'assessment_calendarday',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='AssessmentYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                        ('good_threshold', models.DecimalField(decimal_places=2, default=Decimal('90'), max_digits=5, verbose_name='threshold for 好')),
                        ('fair_threshold', models.DecimalField(decimal_places=2, default=Decimal('80'), max_digits=5, verbose_name='threshold for 较好')),
                        ('ordinary_threshold', models.DecimalField(decimal_places=2, default=Decimal('60'), max_digits=5, verbose_name='threshold for 一般')),
                        ('default_good_ratio', models.DecimalField(decimal_places=3, default=Decimal('0.400'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='default ratio of 好')),
                        ('publicity_days', models.PositiveSmallIntegerField(default=5, verbose_name='publicity working days')),
                        ('review_days', models.PositiveSmallIntegerField(default=30, verbose_name='days to ask for a review of a final result')),
                        ('submit_day', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='results due on day')),
                        ('reminder_days', models.PositiveSmallIntegerField(default=3, verbose_name='remind this many days before a step is due')),
                        ('follow_up_days', models.PositiveSmallIntegerField(default=15, verbose_name='days to hold a reminder talk')),
                        ('borrowed_in_quota', models.BooleanField(default=True, verbose_name='borrowed career staff count in the quota')),
                        ('min_good_share', models.DecimalField(decimal_places=3, default=Decimal('0.500'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='share of quarters graded 好 needed for 优秀')),
                        ('routine_weight', models.DecimalField(decimal_places=3, default=Decimal('0.600'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='weight of the quarterly scores in the annual score')),
                        ('special_weight', models.DecimalField(decimal_places=3, default=Decimal('0.100'), help_text='The rest of the annual score comes from the annual review.', max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='weight of the special assessment in the annual score')),
                        ('default_excellent_ratio', models.DecimalField(decimal_places=3, default=Decimal('0.200'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='default ratio of 优秀')),
                        ('excellent_ratio_min', models.DecimalField(decimal_places=3, default=Decimal('0.100'), max_digits=4, verbose_name='lowest ratio of 优秀 a unit may be given')),
                        ('excellent_ratio_max', models.DecimalField(decimal_places=3, default=Decimal('0.300'), max_digits=4, verbose_name='highest ratio of 优秀 a unit may be given')),
                        ('performance_ratios', models.JSONField(default=periods.models.default_performance_ratios, help_text='The ratio a unit is given for each organisational performance rating, unless set otherwise.', verbose_name='ratio of 优秀 by organisational performance')),
                        ('leave_share', models.DecimalField(decimal_places=3, default=Decimal('0.500'), max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='leave beyond this share of the year: not assessed')),
                        ('appeal_days', models.PositiveSmallIntegerField(default=15, verbose_name="days to appeal after a review's answer")),
                        ('answer_days', models.PositiveSmallIntegerField(default=30, verbose_name='days to answer a review or an appeal')),
                        ('merit_years', models.PositiveSmallIntegerField(default=3, verbose_name='优秀 years in a row for a merit recommendation')),
                        ('dismissal_years', models.PositiveSmallIntegerField(default=2, verbose_name='不称职 years in a row for a dismissal review')),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='years', to='units.region', verbose_name='region')),
                    ],
                    options={
                        'verbose_name': 'assessment year',
                        'verbose_name_plural': 'assessment years',
                        'db_table': 'assessment_assessmentyear',
                        'ordering': ['region_id', '-year'],
                    },
                ),
                migrations.CreateModel(
                    name='Period',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quarter', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='quarter')),
                        ('status', models.CharField(choices=[('draft', 'draft'), ('open', 'open'), ('closed', 'closed')], default='draft', max_length=20, verbose_name='status')),
                        ('summary_due', models.DateField(blank=True, null=True, verbose_name='self-summaries due')),
                        ('section_due', models.DateField(blank=True, null=True, verbose_name='section proposals due')),
                        ('leader_due', models.DateField(blank=True, null=True, verbose_name='leader review due')),
                        ('committee_due', models.DateField(blank=True, null=True, verbose_name='committee decision due')),
                        ('submit_by', models.DateField(blank=True, help_text='Day N of the month after the quarter.', null=True, verbose_name='results submitted by')),
                        ('assessment_year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='periods', to='periods.assessmentyear', verbose_name='assessment year')),
                    ],
                    options={
                        'verbose_name': 'period',
                        'verbose_name_plural': 'periods',
                        'db_table': 'assessment_period',
                        'ordering': ['assessment_year_id', 'quarter'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='assessmentyear',
                    constraint=models.UniqueConstraint(fields=('region', 'year'), name='one_assessment_year_per_region'),
                ),
                migrations.AddConstraint(
                    model_name='period',
                    constraint=models.UniqueConstraint(fields=('assessment_year', 'quarter'), name='one_period_per_quarter'),
                ),
                migrations.AddConstraint(
                    model_name='period',
                    constraint=models.CheckConstraint(condition=models.Q(('quarter__gte', 1), ('quarter__lte', 4)), name='quarter_1_to_4'),
                ),
            ],
        ),
        migrations.RunPython(hand_over_content_types, hand_back_content_types),
    ]
