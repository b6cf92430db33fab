"""Reading progress operations: the only code that writes GuideRead rows."""

from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.guides.models import GuideRead


def read_slugs(user_id: int) -> set[str]:
    """Slugs of the guides this user has marked read."""
    rows = db.session.execute(db.select(GuideRead.guide_slug).where(GuideRead.user_id == user_id))
    return set(rows.scalars())


def set_read(user_id: int, slug: str, read: bool) -> None:
    """Mark or unmark a guide as read; repeating either is harmless (idempotent)."""
    existing = db.session.execute(
        db.select(GuideRead).where(GuideRead.user_id == user_id, GuideRead.guide_slug == slug)
    ).scalar_one_or_none()
    if read and existing is None:
        db.session.add(GuideRead(user_id=user_id, guide_slug=slug))
        try:
            db.session.commit()
        except IntegrityError:  # a double click raced us to the same row: it is read either way
            db.session.rollback()
    elif not read and existing is not None:
        db.session.delete(existing)
        db.session.commit()


def progress_by_category(library, slugs_read: set[str]) -> list[dict]:
    """Per category: guides read out of total, for the profile page."""
    summary = []
    for key, title, guides in library.by_category():
        done = [guide for guide in guides if guide.slug in slugs_read]
        summary.append({"key": key, "title": title, "read": len(done), "total": len(guides)})
    return summary
