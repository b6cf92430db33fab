"""Account operations: creating users and checking credentials."""

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from portal.accounts.models import User
from portal.extensions import db

# Checked against when no user matches, so an unknown name costs as long as a wrong password.
_TIMING_DUMMY_HASH = generate_password_hash("timing-equaliser")


class RegistrationRefused(ValueError):
    """The username or email is already in use; the message does not say which, on purpose."""


def register_user(username: str, email: str, password: str) -> User:
    """Create an account, or raise RegistrationRefused without revealing which field clashed."""
    user = User(username=username.strip().lower(), email=email.strip().lower())
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RegistrationRefused(
            "That username or email cannot be used. If you already have an account, log in instead."
        ) from None
    return user


def authenticate(login: str, password: str) -> User | None:
    """The user whose username or email is `login` and whose password matches, else None."""
    key = login.strip().lower()
    user = db.session.execute(
        db.select(User).where(or_(User.username == key, User.email == key))
    ).scalar_one_or_none()
    if user is None:
        User(password_hash=_TIMING_DUMMY_HASH).check_password(password)
        return None
    return user if user.check_password(password) else None
