"""The task-type registry: a dict, a `register` function and a lookup with a clear error."""

from portal.practice.tasks.base import TaskType

_TASK_TYPES: dict[str, TaskType] = {}


class UnknownTaskType(LookupError):
    """No task type is registered under that slug."""


def register(task_type: TaskType) -> TaskType:
    """Add a task type; registering two under one slug is a programming error."""
    if task_type.slug in _TASK_TYPES:
        raise ValueError(f"task type '{task_type.slug}' is registered twice")
    _TASK_TYPES[task_type.slug] = task_type
    return task_type


def get_task_type(slug: str) -> TaskType:
    """The registered task type, or UnknownTaskType naming the ones that exist."""
    _load_builtin_task_types()
    try:
        return _TASK_TYPES[slug]
    except KeyError:
        known = ", ".join(sorted(_TASK_TYPES)) or "none"
        raise UnknownTaskType(f"unknown task type '{slug}'; available: {known}") from None


def all_task_types() -> list[TaskType]:
    """Every registered task type, in registration order."""
    _load_builtin_task_types()
    return list(_TASK_TYPES.values())


def _load_builtin_task_types() -> None:
    """Import the bundled task modules once; each registers itself on import."""
    from portal.practice.tasks import bbox  # noqa: F401
