"""The migrations and the models describe the same schema, in one line of history."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from scheduler.extensions import db as _db


def _script_directory(app) -> ScriptDirectory:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_single_head(app_ctx):
    assert len(_script_directory(app_ctx).get_heads()) == 1


def test_migrated_database_matches_the_models(app_ctx):
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        assert context.get_current_revision() == _script_directory(app_ctx).get_current_head()
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_migration_files_are_dated():
    import re
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names and all(re.match(r"\d{8}_[0-9a-f]+_\w+\.py$", n) for n in names), names


def test_migrating_a_populated_database_keeps_child_rows(app_ctx):
    """SQLite batch migrations rebuild tables; that must not cascade-delete grants or credentials."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from scheduler.models import AccountCredential, AccountGrant

    head = _script_directory(app_ctx).get_current_head()
    downgrade(revision="17b02f78b2a3")  # before social_accounts was altered (can_refresh)
    try:
        with _db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO teams (id, name, time_zone, created_at) VALUES (900, 'Keep', 'Europe/London', "
                "'2026-01-01 00:00:00')")
            connection.exec_driver_sql(
                "INSERT INTO social_accounts (id, platform, external_id, kind, name, purpose_kind, purpose, "
                "owning_team_id, is_alumni_channel, status, connected_at) VALUES (900, 'x', '1', 'user', 'A', "
                "'unit', 'News', 900, false, 'connected', '2026-01-01 00:00:00')")
            connection.exec_driver_sql("INSERT INTO account_grants (account_id, team_id, granted_at) "
                                       "VALUES (900, 900, '2026-01-01 00:00:00')")
            connection.exec_driver_sql("INSERT INTO account_credentials (account_id, access_token_encrypted, "
                                       "token_type, updated_at) VALUES (900, 'cipher', 'bearer', "
                                       "'2026-01-01 00:00:00')")
    finally:
        upgrade(revision=head)
    with _db.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(AccountGrant.__table__)).scalar() == 1
        assert connection.execute(sa.select(sa.func.count()).select_from(AccountCredential.__table__)).scalar() == 1


def test_existing_history_is_chained_by_the_migration(app_ctx):
    from flask_migrate import downgrade, upgrade

    from scheduler.services.audit import verify_chain

    head = _script_directory(app_ctx).get_current_head()
    downgrade(revision="4443f894e79f")  # before the audit chain existed
    try:
        with _db.engine.begin() as connection:
            for n in range(3):
                connection.exec_driver_sql(
                    "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, subject_type, subject_id,"
                    f" details) VALUES ('2026-01-0{n + 1} 10:00:00.123456', NULL, 'system', 'old.event', 'thing',"
                    f" '{n}', '{{\"n\": {n}}}')")
    finally:
        upgrade(revision=head)
    report = verify_chain(_db.session)
    assert report.intact and report.events == 3
