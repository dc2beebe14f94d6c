"""Guardians' and agents' numbers and complaints' contact phones encrypted at rest (SM4),
and the stored documents and attachments sealed (DESIGN §9, issue #30)."""

from typing import Any

from django.db import migrations

import mediation.models.crypto
from mediation.models.crypto import encrypt, is_encrypted, seal_stored

CLEAR_COLUMNS = {"party": ["rep_id_number", "rep_phone"], "complaint": ["contact"]}


def encrypt_clear_rows(apps: Any, schema_editor: Any) -> None:
    """Rows written before this migration hold clear text: rewrite each clear value as
    ciphertext (read raw, so a row already encrypted is left alone)."""
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for model, columns in CLEAR_COLUMNS.items():
        table = qn(f"mediation_{model}")
        with connection.cursor() as cur:
            for column in columns:
                col = qn(column)
                # Names come from the constant above, never from input.
                cur.execute(f"SELECT id, {col} FROM {table} WHERE {col} <> ''")  # nosec B608
                rows = [(encrypt(v), pk) for pk, v in cur.fetchall() if not is_encrypted(v)]
                cur.executemany(f"UPDATE {table} SET {col} = %s WHERE id = %s", rows)  # nosec B608


def seal_stored_files(apps: Any, schema_editor: Any) -> None:
    Document = apps.get_model("mediation", "Document")
    Attachment = apps.get_model("mediation", "Attachment")
    for name in Document.objects.values_list("file", flat=True).iterator():
        seal_stored(name)
    for name in Document.objects.values_list("masked_file", flat=True).iterator():
        seal_stored(name)
    for name in Attachment.objects.values_list("file", flat=True).iterator():
        seal_stored(name)


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0005_webhooks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="complaint",
            name="contact",
            field=mediation.models.crypto.EncryptedCharField(max_length=30, verbose_name="联系方式"),
        ),
        migrations.AlterField(
            model_name="party",
            name="rep_id_number",
            field=mediation.models.crypto.EncryptedCharField(
                blank=True, max_length=18, verbose_name="代理人公民身份号码"
            ),
        ),
        migrations.AlterField(
            model_name="party",
            name="rep_phone",
            field=mediation.models.crypto.EncryptedCharField(
                blank=True, max_length=30, verbose_name="代理人联系电话"
            ),
        ),
        migrations.RunPython(encrypt_clear_rows, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(seal_stored_files, migrations.RunPython.noop, elidable=True),
    ]
