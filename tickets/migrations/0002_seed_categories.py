"""Categories from the support policies SupportDesk is built from (admins may edit them later)."""

from django.db import migrations

CATEGORIES = [
    # slug, Indonesian, English, concerns an order, security case
    ("order-pending", "Pesanan tertunda setelah pembayaran", "Order pending after payment", True, False),
    ("not-received", "Produk belum diterima", "Product not received", True, False),
    ("refund", "Pengembalian dana", "Refund", True, False),
    ("return-exchange", "Pengembalian / penukaran barang", "Return / exchange", True, False),
    ("dispute", "Sengketa pembeli–penjual", "Buyer–seller dispute", True, False),
    ("payment", "Masalah pembayaran", "Payment problem", False, False),
    ("account", "Akun / login", "Account / login", False, False),
    ("card-fraud", "Penipuan kartu", "Card fraud", False, True),
    ("phishing", "Laporan OTP / phishing", "OTP / phishing report", False, True),
    ("product-question", "Pertanyaan produk / stok", "Product / stock question", False, False),
    ("shipping", "Pengiriman", "Shipping / delivery", True, False),
    ("feedback", "Masukan / saran", "Feedback / suggestion", False, False),
]


def seed(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    for position, (slug, name_id, name_en, concerns_order, is_security) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name_id": name_id,
                "name_en": name_en,
                "concerns_order": concerns_order,
                "is_security": is_security,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
