# The order statistics move to shop (shop 0003): their tables take the shop's names here, and
# the models leave correspondence's state without touching the rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('correspondence', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='ordertally', table='shop_ordertally'),
        migrations.AlterModelTable(name='talliedorder', table='shop_talliedorder'),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='OrderTally'),
            migrations.DeleteModel(name='TalliedOrder'),
        ]),
    ]
