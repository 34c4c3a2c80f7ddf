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
