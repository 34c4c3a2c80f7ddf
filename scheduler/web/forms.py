"""WTForms for the pages. They check shape; services check meaning."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from scheduler.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scheduler.services.validation import time_zone_choices

ROLE_CHOICES = [("member", "Member"), ("manager", "Manager")]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."),
                    Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                           message=f"Use between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters.")],
    )
    confirm = PasswordField("Repeat the new password",
                            validators=[EqualTo("new_password", message="The two new passwords differ.")])


def _time_zone_field(label: str):
    return SelectField(label, choices=[(tz, tz) for tz in time_zone_choices()], default="Europe/London",
                       validate_choice=True)


class UserCreateForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter an email address."), Length(max=254)])
    display_name = StringField("Display name", validators=[DataRequired("Enter a display name."), Length(max=120)])
    password = PasswordField(
        "Initial password",
        validators=[DataRequired("Enter an initial password."),
                    Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                           message=f"Use between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters.")],
    )
    time_zone = _time_zone_field("Time zone")
    is_admin = BooleanField("Admin (can connect accounts, manage users and teams)")


class TeamCreateForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired("Enter a team name."), Length(max=120)])
    time_zone = _time_zone_field("Team time zone")


class MemberAddForm(FlaskForm):
    user_id = SelectField("Person", coerce=int, validate_choice=True)
    role = SelectField("Role", choices=ROLE_CHOICES, default="member", validate_choice=True)


class MemberRoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=True)


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class ConnectAccountForm(FlaskForm):
    platform = SelectField("Network", validate_choice=True)
    purpose_kind = RadioField("This is the official channel of", default="unit", validate_choice=True, choices=[
        ("unit", "a unit, group or initiative of the organisation"),
        ("individual", "an individual's profile as a member of staff"),
    ])
    purpose = StringField("Purpose (which unit, initiative or person)",
                          validators=[DataRequired("Say what the account is for."), Length(max=300)])
    owning_team_id = SelectField("Owning team", coerce=int, validate_choice=True)
    is_alumni_channel = BooleanField("This is an alumni channel (Alumni Relations will be told)")


class GrantForm(FlaskForm):
    team_id = SelectField("Team", coerce=int, validate_choice=True)


class EscalationForm(FlaskForm):
    approval_wait_limit_minutes = IntegerField(
        "A flagged post may wait (minutes) before it escalates",
        validators=[InputRequired("Give a number of minutes."), NumberRange(1, 43200, "From 1 to 43200 minutes.")])
    escalate_minutes_before_slot = IntegerField(
        "…or until this many minutes before its slot",
        validators=[InputRequired("Give a number of minutes."), NumberRange(1, 43200, "From 1 to 43200 minutes.")])
    deputy_user_id = SelectField("Deputy from another team (else the admins)", coerce=int, validate_choice=True)
