"""The triggers that keep the summaries (docs/adr/0011-data-quality-summaries-kept-by-triggers.md),
apart from 0001: Django creates the summaries' unique constraints at the end of the
migration that makes the tables, and the upserts below need them."""

from django.conf import settings
from django.db import migrations

# The summaries add the rows a statement inserted (+1) and take away the rows it
# deleted (-1); an update is both. Groups whose counts do not change (an assignment,
# say) touch no summary row. Rows are upserted in key order, so that concurrent saves
# lock them in one order. {changes}: the rows, with their sign; {time_zone}: whose days.
COUNTING = [
    """
    WITH changes AS ({changes})
    INSERT INTO quality_summary AS s
        (organisation_id, collection, record_type, version, logs, completed, with_errors, errors)
    SELECT owning_organisation_id, collection, record_type, version, sum(sign),
           sum(sign * (status = 'completed')::int), sum(sign * (error_count > 0)::int), sum(sign * error_count)
    FROM changes GROUP BY 1, 2, 3, 4
    HAVING sum(sign) <> 0 OR sum(sign * (status = 'completed')::int) <> 0
        OR sum(sign * (error_count > 0)::int) <> 0 OR sum(sign * error_count) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (organisation_id, collection, record_type, version) DO UPDATE SET
        logs = s.logs + excluded.logs, completed = s.completed + excluded.completed,
        with_errors = s.with_errors + excluded.with_errors, errors = s.errors + excluded.errors
    """,
    """
    WITH changes AS ({changes})
    INSERT INTO quality_softchecksummary AS s
        (organisation_id, collection, record_type, version, rule, waiting, confirmed, corrected)
    SELECT owning_organisation_id, collection, record_type, version, outcome.key,
           sum(sign * (outcome.value = 'waiting')::int), sum(sign * (outcome.value = 'confirmed')::int),
           sum(sign * (outcome.value = 'corrected')::int)
    FROM changes CROSS JOIN LATERAL jsonb_each_text(changes.soft_checks) AS outcome
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(sign * (outcome.value = 'waiting')::int) <> 0 OR sum(sign * (outcome.value = 'confirmed')::int) <> 0
        OR sum(sign * (outcome.value = 'corrected')::int) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (organisation_id, collection, record_type, version, rule) DO UPDATE SET
        waiting = s.waiting + excluded.waiting, confirmed = s.confirmed + excluded.confirmed,
        corrected = s.corrected + excluded.corrected
    """,
    """
    WITH changes AS ({changes})
    INSERT INTO quality_completionday AS s (organisation_id, collection, record_type, version, day, completed)
    SELECT owning_organisation_id, collection, record_type, version,
           (completed_at AT TIME ZONE '{time_zone}')::date, sum(sign)
    FROM changes WHERE status = 'completed' AND completed_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (organisation_id, collection, record_type, version, day) DO UPDATE SET
        completed = s.completed + excluded.completed
    """,
]
INSERTED, DELETED = "SELECT 1 AS sign, * FROM inserted", "SELECT -1 AS sign, * FROM deleted"


def counting(changes):
    # Days are the service's (settings.TIME_ZONE, as Django's __date lookups), fixed here.
    return ";".join(sql.format(changes=changes, time_zone=settings.TIME_ZONE) for sql in COUNTING) + ";"


# One function for three statement-level triggers on records_record, so that every
# path (the gateway, bulk inserts, the API's delete, SQL by hand) keeps the counts.
COUNT_CHANGES = f"""
CREATE FUNCTION quality_count_changes() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN {counting(INSERTED)}
    ELSIF TG_OP = 'DELETE' THEN {counting(DELETED)}
    ELSE {counting(f"{INSERTED} UNION ALL {DELETED}")}
    END IF;
    RETURN NULL;
END
$function$;
CREATE TRIGGER quality_on_insert AFTER INSERT ON records_record REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION quality_count_changes();
CREATE TRIGGER quality_on_update AFTER UPDATE ON records_record
    REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION quality_count_changes();
CREATE TRIGGER quality_on_delete AFTER DELETE ON records_record REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION quality_count_changes();
-- The records already stored, counted once.
{counting("SELECT 1 AS sign, * FROM records_record")}
"""

UNCOUNT_CHANGES = """
DROP TRIGGER quality_on_insert ON records_record;
DROP TRIGGER quality_on_update ON records_record;
DROP TRIGGER quality_on_delete ON records_record;
DROP FUNCTION quality_count_changes();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("quality", "0001_initial"),
        ("records", "0004_quality_facts"),
    ]

    operations = [migrations.RunSQL(COUNT_CHANGES, UNCOUNT_CHANGES)]
