"""Account forms; every one carries a CSRF token through Flask-WTF."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

USERNAME_RULE = Regexp(r"^[A-Za-z0-9_.-]+$",
                       message="Use letters, digits, dots, hyphens and underscores only.")


class RegistrationForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(3, 32), USERNAME_RULE],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False),
                                            Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField("Password", validators=[DataRequired(), Length(10, 128,
                             message="Use at least 10 characters (a short phrase works well).")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Confirm password",
                            validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me logged in on this device")


class LogoutForm(FlaskForm):
    """An empty form: logging out is a POST so that another site cannot log you out."""
