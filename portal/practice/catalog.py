"""The ten task types the portal teaches, by practice slug (pure: no Flask).

Guides, the job board and the practice pages link through these slugs, so they are fixed here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskTypeInfo:
    """Display facts about a task type: its practice slug, title, modality and guide."""

    slug: str
    title: str
    modality: str
    guide_slug: str


TASK_TYPES = {
    info.slug: info
    for info in (
        TaskTypeInfo("bbox", "Bounding boxes", "image", "bounding-boxes"),
        TaskTypeInfo("polygon", "Polygons", "image", "polygons"),
        TaskTypeInfo("segmentation", "Semantic segmentation", "image", "semantic-segmentation"),
        TaskTypeInfo("keypoints", "Keypoints", "image", "keypoints"),
        TaskTypeInfo("sentiment", "Sentiment analysis", "text", "sentiment-analysis"),
        TaskTypeInfo("ner", "Named-entity recognition", "text", "named-entity-recognition"),
        TaskTypeInfo("categorization", "Text categorization", "text", "text-categorization"),
        TaskTypeInfo("transcription", "Transcription", "audio", "transcription"),
        TaskTypeInfo("sound-events", "Sound event detection", "audio", "sound-event-detection"),
        TaskTypeInfo("tracking", "Object tracking", "video", "object-tracking"),
    )
}


def practice_title(slug: str) -> str | None:
    """The exercise's display title, or None for an unknown slug."""
    info = TASK_TYPES.get(slug)
    return info.title if info else None
