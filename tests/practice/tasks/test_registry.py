"""The task-type registry: lookups, clear errors, and every registered type's browser parts."""

from pathlib import Path

import pytest

from portal.practice.catalog import TASK_TYPES
from portal.practice.tasks.bbox import BoundingBoxes
from portal.practice.tasks.registry import UnknownTaskType, all_task_types, get_task_type, register

ROOT = Path(__file__).resolve().parents[3]


def test_unknown_task_type_names_the_available_ones():
    with pytest.raises(UnknownTaskType, match="unknown task type 'juggling'; available: .*bbox"):
        get_task_type("juggling")


def test_registering_a_slug_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register(BoundingBoxes())


@pytest.mark.parametrize("task", all_task_types(), ids=lambda task: task.slug)
def test_every_registered_type_is_catalogued_and_has_its_widget_and_template(task):
    info = TASK_TYPES[task.slug]
    assert (task.title, task.modality, task.guide_slug) == (info.title, info.modality, info.guide_slug)
    assert (ROOT / "static" / task.widget).is_file(), f"missing widget {task.widget}"
    assert (ROOT / "templates" / task.template).is_file(), f"missing template {task.template}"
    assert 0 < task.pass_mark <= 1
