"""Scam flags: every rule fires on its warning sign and stays quiet on honest wording."""

import pytest

from portal.jobs.flags import FLAG_RULES, flag_title, registrable_domain, scam_flags
from portal.jobs.normalise import normalise
from portal.jobs.posting import Pay, Posting

HONEST_DESCRIPTION = """
<h2>About the role</h2>
<p>Acme AI is hiring detail-oriented Data Annotators. You will draw bounding boxes, rate model answers and
classify short messages. This is a fully remote contract position with flexible hours (minimum 10 hours per week).</p>
<ul><li>Fluent English</li><li>A reliable computer and internet connection</li></ul>
<p>Pay: $18-$24 per hour, paid weekly through PayPal or direct deposit.</p>
<p>There is no fee to apply, and we will never ask you for payment, gift cards or a deposit of any kind.
We never contact candidates on WhatsApp or Telegram. After a short qualification test you will be matched to a
project within two weeks. Questions? Write to <a href="mailto:jobs@acme-ai.example">jobs@acme-ai.example</a>.</p>
<p>Beware of scammers using addresses such as acme.hr@gmail.com: they are not us.</p>
"""


def make_posting(**fields) -> Posting:
    """A normalised posting; keyword arguments override any raw field."""
    values = {"source_name": "greenhouse-acme", "external_id": "1", "title": "Data Annotator",
              "company": "Acme AI", "url": "https://boards.greenhouse.io/acmeai/jobs/4012345?gh_src=abc",
              "description_html": HONEST_DESCRIPTION}
    values.update(fields)
    return normalise(Posting(**values))


def codes(posting: Posting) -> list[str]:
    """The flag codes a posting raises."""
    return [flag.code for flag in scam_flags(posting)]


def test_an_honest_posting_has_no_flags():
    assert scam_flags(make_posting()) == []


def test_every_rule_has_a_stable_code_and_an_explanation():
    assert set(FLAG_RULES) == {
        "asks_for_payment", "check_deposit", "reshipping", "messaging_app_contact", "personal_email",
        "pay_too_high", "lookalike_domain", "guaranteed_income", "hired_without_checks", "pressure_to_act_fast"}
    for code, rule in FLAG_RULES.items():
        assert rule.code == code
        assert len(rule.message) > 120


def test_the_guides_example_message_raises_its_flags():
    scam = make_posting(
        title="Remote product rater", company="LabelQuest AI", url="https://labelquest.example/apply",
        description_html="<p>Hi! I'm Jenny, recruiter for LabelQuest AI. Earn $500 a day rating products, no "
                         "experience needed! Only 3 places left, reply within 1 hour. Pay a $49 starter-kit fee to "
                         "activate. Deposit USDT to unlock higher tasks. Chat with me on Telegram: @lq_hr_jenny. "
                         "Email: labelquest.hiring@gmail.com</p>")
    assert set(codes(scam)) == {"asks_for_payment", "pressure_to_act_fast", "messaging_app_contact",
                                "personal_email", "pay_too_high"}
    pay_flag = next(flag for flag in scam_flags(scam) if flag.code == "pay_too_high")
    assert "US$62 an hour" in pay_flag.message and "US$25" in pay_flag.message


@pytest.mark.parametrize("sentence", [
    "A one-time training fee of $99 is required before your first task.",
    "You must purchase a starter kit to begin.",
    "Pay a small activation fee to unlock your account.",
    "Buy the software from our approved vendor; the cost is reimbursed later.",
    "Send two Apple gift cards to complete your registration.",
    "Make a deposit of 100 USDT to unlock the next set of tasks.",
    "Recharge your account balance to continue earning commissions.",
    "You must pay for your own background check before onboarding.",
])
def test_asks_for_payment(sentence):
    assert "asks_for_payment" in codes(make_posting(description_html=f"<p>{sentence}</p>"))


@pytest.mark.parametrize("sentence", [
    "There is no application fee.",
    "We never charge a training fee or ask for a deposit.",
    "Get paid weekly by direct deposit.",
    "We pay for your training time.",
    "You will not need to pay for any software.",
    "Our partners include leading AI labs.",
])
def test_asks_for_payment_ignores_honest_wording(sentence):
    assert "asks_for_payment" not in codes(make_posting(description_html=f"<p>{sentence}</p>"))


@pytest.mark.parametrize(("sentence", "code", "expected"), [
    ("We will send you a check to buy your equipment; deposit the check and wire the difference to our supplier.",
     "check_deposit", True),
    ("Deposit the cashier's check and send back the excess.", "check_deposit", True),
    ("Background check required. Check our FAQ for details.", "check_deposit", False),
    ("Receive packages at home, repackage and forward them to our overseas clients.", "reshipping", True),
    ("Work as a reshipping coordinator from home.", "reshipping", True),
    ("Annotate shipping labels in warehouse photos.", "reshipping", False),
    ("To apply, contact our HR manager on WhatsApp +44 7700 900123.", "messaging_app_contact", True),
    ("Interviews are held via Telegram.", "messaging_app_contact", True),
    ("Join us at t.me/annotate_jobs for instant hiring.", "messaging_app_contact", True),
    ("Label WhatsApp-style chat messages for intent.", "messaging_app_contact", False),
    ("Apply your skills in signal processing.", "messaging_app_contact", False),
    ("Experience labelling chat messages in WhatsApp or WeChat is a plus.", "messaging_app_contact", False),
    ("Guaranteed income of $3,000 a week!", "guaranteed_income", True),
    ("Placement is not guaranteed and depends on your test score.", "guaranteed_income", False),
    ("You will be hired immediately, no interview.", "hired_without_checks", True),
    ("No interview needed: just pass our qualification test.", "hired_without_checks", False),
    ("Act fast: this offer expires today.", "pressure_to_act_fast", True),
    ("Take your time: there is no need to act fast.", "pressure_to_act_fast", False),
    ("Only 2 spots remaining for this project!", "pressure_to_act_fast", True),
    ("The project runs within 3 hours of your timezone.", "pressure_to_act_fast", False),
])
def test_phrase_rules_both_ways(sentence, code, expected):
    assert (code in codes(make_posting(description_html=f"<p>{sentence}</p>"))) is expected


@pytest.mark.parametrize(("contact", "expected"), [
    ("Send your CV to acme.recruiting@gmail.com", True),
    ("Questions: hiring.team@outlook.com", True),
    ("Write to <a href=\"mailto:careers@yahoo.co.uk\">our team</a>", True),
    ("Write to careers@acme-ai.example", False),
    ("We never email from gmail.com or outlook.com addresses.", False),
])
def test_personal_email(contact, expected):
    assert ("personal_email" in codes(make_posting(description_html=f"<p>{contact}</p>"))) is expected


@pytest.mark.parametrize(("pay", "text", "expected"), [
    (Pay(80, 120, "USD", "hour", "structured"), "Label images.", True),
    (Pay(60, 70, "USD", "hour", "structured"), "Label images.", False),
    (Pay(150, 200, "USD", "hour", "structured"), "Physician experts review medical answers.", False),
    (Pay(200, None, "USD", "hour", "structured"), "Physician experts review medical answers.", True),
    (Pay(60, None, "USD", "hour", "structured"), "No experience needed.", True),
    (Pay(90_000, None, "USD", "year", "structured"), "Label images.", False),
    (Pay(5000, None, "INR", "hour", "structured"), "Label images.", False),
    (Pay(100, None, "XYZ", "hour", "structured"), "Label images.", False),
])
def test_pay_too_high_uses_the_pay_guides_ranges(pay, text, expected):
    posting = make_posting(pay=pay, description_html=f"<p>{text}</p>")
    assert ("pay_too_high" in codes(posting)) is expected


@pytest.mark.parametrize(("company", "url"), [
    ("Scale AI", "https://scale-ai-jobs.com/apply"),
    ("DataAnnotation", "https://dataannotation-tech.net/start"),
    ("Appen", "https://appen-careers.co/jobs/1"),
    ("Outlier", "https://outlier-ai.work/apply"),
    ("Outlier", "https://0utlier.ai/apply"),
    ("DataAnnotation", "https://dataanotation.tech/apply"),
    ("Acme", "https://outlier.ai.pay-portal.net/login"),
    ("Remotasks", "https://remotasks.netlify.app/signup"),
    ("Labelbox", "https://xn--labelbx-fjg.com/apply"),  # labelb\u043ex.com, with a Cyrillic o
])
def test_lookalike_domain(company, url):
    posting = make_posting(company=company, url=url, description_html="<p>Label data.</p>")
    assert "lookalike_domain" in codes(posting)


@pytest.mark.parametrize(("company", "url"), [
    ("Scale AI", "https://scale.com/careers/4012345"),
    ("Outlier", "https://app.outlier.ai/en/expert/opportunities"),
    ("DataAnnotation", "https://www.dataannotation.tech/"),
    ("Appen", "https://appen.wd3.myworkdayjobs.com/careers/job/123"),
    ("Acme AI", "https://boards.greenhouse.io/acmeai/jobs/4012345"),
    ("Mercer", "https://careers.mercer.com/jobs/1"),
    ("Happen Ventures", "https://happenventures.com/jobs/1"),
    ("Outlier Ventures", "https://outlierventures.io/jobs"),
])
def test_real_domains_and_unrelated_companies_are_not_lookalikes(company, url):
    posting = make_posting(company=company, url=url, description_html="<p>We study outlier detection.</p>")
    assert "lookalike_domain" not in codes(posting)


def test_lookalike_domain_in_an_email_address():
    posting = make_posting(company="Outlier", description_html="<p>Email onboarding@outlier-support.com</p>")
    flag = next(flag for flag in scam_flags(posting) if flag.code == "lookalike_domain")
    assert "outlier-support.com" in flag.message and "outlier.ai" in flag.message


@pytest.mark.parametrize(("host", "expected"), [
    ("jobs.scale.com", "scale.com"), ("a.b.example.co.uk", "example.co.uk"), ("scale.com", "scale.com"),
    ("remotasks.netlify.app", "remotasks.netlify.app"),
])
def test_registrable_domain(host, expected):
    assert registrable_domain(host) == expected


def test_scam_flags_never_raise_on_odd_postings():
    odd = Posting(source_name="s", external_id="1", title=None, company=None, url="http://[bad",
                  description_html=None, description_text=None, pay="x", extra=None)
    assert scam_flags(odd) == []


def test_every_rule_has_a_short_title_and_unknown_codes_read_as_words():
    for code, rule in FLAG_RULES.items():
        assert flag_title(code) == rule.title and 0 < len(rule.title) <= 40
    assert flag_title("retired_rule-code") == "Retired rule code"
