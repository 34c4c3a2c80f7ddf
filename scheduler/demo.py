"""A demo organisation so a new user can see the whole flow at once."""
from __future__ import annotations

import secrets

import sqlalchemy as sa

from scheduler import authz
from scheduler.config import Settings
from scheduler.extensions import db
from scheduler.models import User
from scheduler.services import people

DEMO_DOMAIN = "demo.gatepost.org"
DEMO_TEAMS = {
    "Press Office": [("manager", "Priya Shah", "priya"), ("member", "Tom Okafor", "tom"),
                     ("member", "Ellen Marsh", "ellen")],
    "School of Computing": [("manager", "Daniel Reyes", "daniel"), ("member", "Aisha Khan", "aisha"),
                            ("member", "Joe Brennan", "joe")],
}
LOGINS_FILE = "demo-logins.txt"


def seed_demo_organisation(settings: Settings) -> list[str] | None:
    """Create the demo org if there are no users; return printable logins (or None).

    Passwords are random per installation and kept in instance/ (git-ignored)
    so `make run` can print them again.
    """
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return None
    lines = []

    def add(email_name: str, display_name: str, label: str, is_admin: bool = False) -> User:
        password = secrets.token_urlsafe(12)
        user = people.create_user(authz.SYSTEM, email=f"{email_name}@{DEMO_DOMAIN}", display_name=display_name,
                                  password=password, is_admin=is_admin)
        lines.append(f"{label:7} {user.email:28} {password}")
        return user

    add("admin", "Alex Admin", "admin", is_admin=True)
    for team_name, people_in_team in DEMO_TEAMS.items():
        team = people.create_team(authz.SYSTEM, name=team_name)
        for role, display_name, email_name in people_in_team:
            user = add(email_name, display_name, role)
            people.add_member(authz.SYSTEM, team, user, role)
            lines[-1] += f"   ({team_name})"
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    path = settings.instance_path / LOGINS_FILE
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return lines


def saved_demo_logins(settings: Settings) -> list[str]:
    path = settings.instance_path / LOGINS_FILE
    return path.read_text().splitlines() if path.is_file() else []
