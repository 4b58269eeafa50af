# The order statistics move from correspondence to shop: the tables are renamed there
# (correspondence 0002); here the models only enter the shop's state.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0002_alter_payment_order'),
        ('correspondence', '0002_order_tallies_to_shop'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='TalliedOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order_id', models.UUIDField(unique=True)),
                ('tallied_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='OrderTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.CharField(help_text="YYYY-MM in the policy's time zone.", max_length=7)),
                ('dimension', models.CharField(choices=[('country', 'country shipped to'), ('postage', 'postage method')], max_length=10)),
                ('value', models.CharField(max_length=60)),
                ('count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'ordering': ['month', 'dimension', 'value'],
                'constraints': [models.UniqueConstraint(fields=('month', 'dimension', 'value'), name='one_tally_cell')],
            },
        ),
    ])]
