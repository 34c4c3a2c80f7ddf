import sqlalchemy as sa

from scheduler.models import AuditEvent, Team, User


def test_create_admin_reads_password_from_environment(app, db, monkeypatch):
    monkeypatch.setenv("GATEPOST_ADMIN_PASSWORD", "an-automation-password")
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "Ops@Example.org"])
    assert result.exit_code == 0, result.output
    assert "Created admin ops@example.org" in result.output
    assert "an-automation-password" not in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.org"))
    assert user.is_admin and user.active
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.actor_label == "system" and event.actor_id is None


def test_create_admin_prompts_for_the_password(app, db, monkeypatch):
    monkeypatch.delenv("GATEPOST_ADMIN_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "ops@example.org"],
                                          input="typed-at-the-prompt\ntyped-at-the-prompt\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.email == "ops@example.org")) is not None


def test_create_admin_refuses_bad_input_cleanly(app, db, make, monkeypatch):
    make.user("taken@example.org")
    monkeypatch.setenv("GATEPOST_ADMIN_PASSWORD", "an-automation-password")
    runner = app.test_cli_runner()
    for email, message in (("taken@example.org", "already exists"), ("nope", "not a valid email")):
        result = runner.invoke(args=["users", "create-admin", email])
        assert result.exit_code == 1 and message in result.output
    monkeypatch.setenv("GATEPOST_ADMIN_PASSWORD", "short")
    result = runner.invoke(args=["users", "create-admin", "new@example.org"])
    assert result.exit_code == 1 and "at least 12" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_deactivate_command(app, db, make):
    user = make.user("leaver@example.org")
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "leaver@example.org"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    assert app.test_cli_runner().invoke(args=["users", "deactivate", "ghost@example.org"]).exit_code == 1


def test_demo_seed_creates_org_once_and_logins_work(app, db, new_browser):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()[1:]]
    assert len(lines) == 7  # an admin, and a manager and two members in each of two teams
    assert sum(1 for parts in lines if parts[0] == "manager") == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 2
    for parts in (lines[0], lines[1]):
        email, password = parts[1], parts[2]
        browser = new_browser()
        assert browser.login(email, password).status_code == 302
    again = runner.invoke(args=["demo", "seed"])
    assert "already has users" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 7


def test_db_upgrade_command_is_available(app):
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
