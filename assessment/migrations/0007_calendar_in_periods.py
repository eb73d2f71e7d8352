# The years, periods and holiday calendar now belong to ``periods`` (its 0001): every foreign key here points
# there, and the old models leave this app's state. State only: the tables and their rows stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0006_register_export_private_file'),
        ('periods', '0001_initial'),
        ('scoring', '0003_period_in_periods'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='assessment_year',
                    field=models.ForeignKey(blank=True, help_text='For the acts of the annual assessment.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='annualinput',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inputs', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='quotaopening',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='openings', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='excellentratio',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='excellent_ratios', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='unityear',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='unit_years', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='registerexport',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='annualresult',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='annual_results', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='annualledger',
                    name='assessment_year',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='annual_ledgers', to='periods.assessmentyear', verbose_name='assessment year'),
                ),
                migrations.AlterField(
                    model_name='quarterlyresult',
                    name='period',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='results', to='periods.period', verbose_name='period'),
                ),
                migrations.AlterField(
                    model_name='workrecord',
                    name='period',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='work_records', to='periods.period', verbose_name='period'),
                ),
                migrations.AlterField(
                    model_name='quotaledger',
                    name='period',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ledgers', to='periods.period', verbose_name='period'),
                ),
                migrations.AlterField(
                    model_name='auditentry',
                    name='period',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit', to='periods.period', verbose_name='period'),
                ),
                migrations.DeleteModel(
                    name='Period',
                ),
                migrations.DeleteModel(
                    name='AssessmentYear',
                ),
                migrations.DeleteModel(
                    name='CalendarDay',
                ),
            ],
        ),
    ]
