"""Relevance rules: which titles the board keeps, and why."""

import pytest

from portal.jobs.posting import Posting
from portal.jobs.relevance import DEFAULT_RULES_PATH, RelevanceRulesError, is_relevant, load_rules


@pytest.fixture(scope="module")
def rules():
    """The rules shipped in content/jobs/relevance.toml."""
    return load_rules()


def posting(title: str, description: str = "") -> Posting:
    """A normalised posting with a title and plain description."""
    return Posting(source_name="s", external_id="1", title=title, company="Acme", url="https://acme.example/1",
                   description_text=description)


KEPT_TITLES = [
    "AI Data Trainer - Spanish (Contract)", "Search Quality Rater - Remote", "Bilingual Transcriptionist",
    "Generalist AI Tutor", "LiDAR Annotation Specialist", "Data Annotator", "Image Labeler (Part-Time)",
    "Data Labelling Associate", "Ads Quality Rater - German", "Personalized Internet Assessor",
    "Search Engine Evaluator - Japan", "AI Evaluator, French", "Freelance Transcriber", "Audio Transcription Editor",
    "AI Data Specialist", "Linguist - Korean (AI Data)", "Language Specialist, Arabic", "Content Reviewer for AI",
    "RLHF Writer", "Prompt Writer (Freelance)", "Software Engineer - AI Trainer (Contract)",
    "Physician - AI Training", "Lawyer, AI Tutor", "Annotation Quality Reviewer", "Video Annotators Wanted",
    "Data Tagger", "Red Teamer for AI Models", "Crowd Worker - Remote", "Medical Data Labeler",
    "Mathematics Expert - AI Trainer",
]
DROPPED_TITLES = [
    "Senior Software Engineer, Data Platform", "Account Executive, Enterprise", "Technical Recruiter",
    "Data Engineer", "Machine Learning Engineer", "Data Annotation Engineer", "Marketing Manager",
    "Director of Finance", "Product Manager, Labeling Platform", "Sales Development Representative",
    "Head of Annotation Operations", "Research Scientist, RL", "Legal Counsel", "Product Designer",
    "Engineering Manager, Data Labeling", "Frontend Developer", "Customer Success Manager", "Data Scientist",
    "Talent Acquisition Partner", "Security Analyst", "Office Manager", "Executive Assistant to the CEO",
]


@pytest.mark.parametrize("title", KEPT_TITLES)
def test_annotation_work_titles_are_kept(rules, title):
    decision = is_relevant(posting(title), rules)
    assert decision.keep, decision.reason
    assert decision.reason.startswith("title matches '")


@pytest.mark.parametrize("title", DROPPED_TITLES)
def test_other_roles_are_dropped(rules, title):
    decision = is_relevant(posting(title, "We build training data with annotation teams."), rules)
    assert not decision.keep, decision.reason


def test_reasons_name_the_phrase(rules):
    assert is_relevant(posting("Data Annotator"), rules).reason == "title matches 'annotator'"
    assert is_relevant(posting("Data Engineer"), rules).reason == "title matches excluded 'engineer'"
    assert is_relevant(posting("Software Engineer - AI Trainer"), rules).reason == \
        "title matches 'ai trainer', which overrides exclusions"


def test_description_matches_count_less_than_title_matches(rules):
    one_match = posting("Operations Associate", "You will support our annotation projects.")
    two_matches = posting("Operations Associate", "You will do image annotation following detailed guidelines.")
    unrelated = posting("Operations Associate", "You will manage our office supplies.")
    assert not is_relevant(one_match, rules).keep
    assert "needs 2" in is_relevant(one_match, rules).reason
    assert is_relevant(two_matches, rules).keep
    assert is_relevant(two_matches, rules).reason == "description matches 'annotation', 'guidelines'"
    assert not is_relevant(unrelated, rules).keep


def test_description_html_is_read_when_text_is_missing(rules):
    raw = Posting(source_name="s", external_id="1", title="Operations Associate", company="Acme",
                  url="https://acme.example/1", description_html="<p>Data labeling and annotation.</p>")
    assert is_relevant(raw, rules).keep


def test_odd_titles_do_not_crash(rules):
    assert not is_relevant(posting(None), rules).keep
    assert not is_relevant(posting(""), rules).keep


def test_shipped_rules_file_is_the_default():
    assert DEFAULT_RULES_PATH.name == "relevance.toml"
    assert load_rules(DEFAULT_RULES_PATH).description_min_matches == 2


@pytest.mark.parametrize(("content", "message"), [
    ("[title\ninclude = [", "not valid TOML"),
    ("[description]\ninclude = []\n", "the [title] table is missing"),
    ("[title]\ninclude = 'annotator'\n[description]\n", "[title].include must be a list"),
    ("[title]\ninclude = ['annotator', 3]\n[description]\n", "[title].include must be a list"),
    ("[title]\ninclude = ['annotator']\n[description]\nmin_matches = 0\n", "min_matches must be a whole number"),
    ("[title]\ninclude = []\n[description]\n", "[title].include is empty"),
])
def test_bad_rules_files_are_named_in_the_error(tmp_path, content, message):
    path = tmp_path / "rules.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RelevanceRulesError) as error:
        load_rules(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_missing_rules_file_is_named_in_the_error(tmp_path):
    with pytest.raises(RelevanceRulesError, match="does not exist"):
        load_rules(tmp_path / "absent.toml")
