"""The demo catalogues a first run starts with: Japanese groceries, or printer services."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from pledge.shop.models import Product


def _jan(stem: str) -> str:
    """Complete a 12-digit stem with its EAN-13 check digit."""
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(stem))
    return stem + str((10 - weighted % 10) % 10)


GROCERIES = [
    ("koshihikari-rice-2kg", "Koshihikari Rice 2kg", "こしひかり", "Rice & noodles", "12.95",
     "Short-grain Japanese rice from Niigata: glossy, sticky and sweet. For sushi and everyday bowls.",
     "490123400001", 2000, "amber"),
    ("udon-noodles-200g", "Sanuki Udon Noodles", "讃岐うどん", "Rice & noodles", "2.45",
     "Thick wheat noodles from Kagawa, dried. Four minutes in boiling water.", "490123400002", 200, "amber"),
    ("soba-noodles-250g", "Buckwheat Soba", "そば", "Rice & noodles", "3.25",
     "Nutty buckwheat noodles, good hot in broth or cold with tsuyu.", "490123400003", 250, "teal"),
    ("shoyu-1l", "Koikuchi Soy Sauce 1L", "濃口醤油", "Sauces & seasonings", "6.50",
     "Naturally brewed dark soy sauce, the everyday seasoning of the Japanese kitchen.",
     "490123400004", 1150, "red"),
    ("white-miso-500g", "Shiro Miso 500g", "白味噌", "Sauces & seasonings", "5.95",
     "Mild, sweet white miso for soup and marinades.", "490123400005", 500, "plum"),
    ("kewpie-mayonnaise", "Kewpie Mayonnaise 500g", "キユーピー マヨネーズ", "Sauces & seasonings",
     "4.75", "Rich, egg-yolk mayonnaise with rice vinegar.", "490123400006", 500, "red"),
    ("matcha-30g", "Uji Matcha 30g", "宇治抹茶", "Tea & drinks", "14.50",
     "Stone-ground green tea from Uji, Kyoto, for whisking or baking.", "490123400007", 30, "green"),
    ("genmaicha-200g", "Genmaicha 200g", "玄米茶", "Tea & drinks", "5.20",
     "Green tea with toasted brown rice: warm and nutty.", "490123400008", 200, "green"),
    ("pocky-chocolate", "Pocky Chocolate", "ポッキー", "Snacks & sweets", "1.95",
     "Biscuit sticks dipped in chocolate.", "490123400009", 72, "red"),
    ("senbei-assortment", "Senbei Rice Crackers", "せんべい", "Snacks & sweets", "4.30",
     "Crisp soy-glazed rice crackers, an assortment of twelve.", "490123400010", 180, "amber"),
    ("dorayaki-4", "Dorayaki, 4 pieces", "どら焼き", "Snacks & sweets", "5.60",
     "Pancakes filled with sweet azuki bean paste.", "490123400011", 240, "plum"),
    ("hinoki-chopsticks", "Hinoki Chopsticks, pair", "檜の箸", "Kitchenware", "7.80",
     "Cypress-wood chopsticks, lacquer-free and light.", "490123400012", 20, "indigo"),
]  # fmt: skip

PRINTER_SERVICES = [
    ("md-printer-servicing", "MD-series printer servicing", "", "Services", "9800",
     "Cleaning, head alignment and a test print set for Alps MD-1000 to MD-5500 printers.",
     "", 0, "indigo"),
    ("md-head-replacement", "Print head replacement", "", "Services", "18500",
     "Fitting of a reconditioned thermal print head, tested with all colour ribbons.",
     "", 0, "indigo"),
    ("ribbon-cyan", "Cyan ink ribbon cassette", "", "Supplies", "1650",
     "Standard cyan cassette for MD-series printers.", "", 40, "teal"),
    ("ribbon-metallic-gold", "Metallic gold ribbon cassette", "", "Supplies", "2400",
     "Metallic gold for labels and decals.", "", 40, "amber"),
    ("ribbon-white", "White ink ribbon cassette", "", "Supplies", "2400",
     "Opaque white, for printing on dark and clear media.", "", 40, "plum"),
]  # fmt: skip


@transaction.atomic
def catalogue_seed_demo(*, printing: bool) -> int:
    """Fill an empty catalogue; returns how many products were added (0 if not empty)."""
    if Product.objects.exists():
        return 0
    rows = PRINTER_SERVICES if printing else GROCERIES
    Product.objects.bulk_create(
        Product(
            slug=slug, name=name, name_ja=name_ja, section=section, price=Decimal(price),
            description=description, jan=_jan(stem) if stem else "", weight_grams=weight,
            stock=25 if printing else 40, colour=colour,
        )
        for slug, name, name_ja, section, price, description, stem, weight, colour in rows
    )  # fmt: skip
    return len(rows)
