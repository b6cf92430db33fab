"""Scam warning signs in a posting, each explained in plain language.

Pure: no Flask, no database. Flags never hide a posting: they tell the reader what looks wrong and
what to do, as the portal's guide "Recognising job scams" does. The rules follow the US Federal
Trade Commission's published job-scam red flags:
  https://consumer.ftc.gov/articles/job-scams
  https://consumer.ftc.gov/consumer-alerts/2021/04/dont-let-job-scams-block-your-path-forward
  https://www.ftc.gov/news-events/news/press-releases/2024/12/new-ftc-data-show-skyrocketing-consumer-reports-about-game-online-job-scams
(never pay to get a job or to get paid; fake checks; reshipping; task scams that ask for deposits,
often in cryptocurrency; unexpected contact by text, WhatsApp or Telegram; guaranteed jobs or big
money; pressure to act fast). Each rule is one entry in FLAG_RULES: a stable code, a message, a check.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal.jobs.normalise import html_to_text, hourly_equivalent_usd, windows_around
from portal.jobs.posting import Flag, Posting

TEXT_SCAN_LIMIT = 20_000  # characters of title and description searched


@dataclass(frozen=True)
class PostingText:
    """What the rules read from one posting, prepared once: lower-cased text, links and emails."""

    text: str  # title, pay text and description, lower case
    headline: str  # company and title, lower case
    description: str  # the description text as written, for names whose capitals matter
    hosts: tuple[str, ...]  # host names of the apply URL and the links in the description
    email_domains: tuple[str, ...]  # domains of the email addresses given as contacts


# --- Phrase rules --------------------------------------------------------------------------------

# A match in a sentence that denies it before the match ("there is no application fee", "we will
# never ask you to pay a training fee", "beware of anyone asking for a starter kit") is not a flag.
_DENIAL = re.compile(r"\b(?:no|not|never|without|n't|cannot|beware|scam|scams|scammers|fraud|fraudulent|fake)\b")
_SENTENCE_ENDS = (". ", "! ", "? ", "\n", "; ")  # with the space, so "acme.hr@..." is one sentence


@dataclass(frozen=True)
class PhraseRule:
    """Phrases that show a warning sign, optionally waived when the posting also says `waived_by`.

    Every match contains one of the `anchors`; the patterns run only around them, which keeps a long
    description cheap (Python's regex engine is slow on alternations).
    """

    anchors: tuple[str, ...]
    patterns: tuple[str, ...]
    waived_by: str | None = None

    def compiled(self) -> tuple[re.Pattern, re.Pattern | None]:
        """The patterns as one regex, and the waiver's regex."""
        joined = re.compile("|".join(f"(?:{pattern})" for pattern in self.patterns))
        return joined, re.compile(self.waived_by) if self.waived_by else None


PHRASE_WINDOW = 100  # characters kept either side of an anchor: room for a sentence around it


def _denied(text: str, start: int) -> bool:
    """Whether the sentence holding a match denies it before the match starts."""
    sentence_start = max(text.rfind(end, 0, start) for end in _SENTENCE_ENDS) + 1  # -1 + 1: the text's start
    return bool(_DENIAL.search(text, sentence_start, start))


def _phrase_check(rule: PhraseRule) -> Callable[[PostingText], dict | None]:
    """A check that finds the rule's phrases in the text, ignoring denied ones."""
    pattern, waiver = rule.compiled()

    def check(posting: PostingText) -> dict | None:
        """The first undenied phrase as {'phrase': ...}, or None."""
        windows = windows_around(posting.text, rule.anchors, PHRASE_WINDOW, PHRASE_WINDOW, lowered=posting.text)
        for window in windows:
            for match in pattern.finditer(window):
                if not _denied(window, match.start()):
                    if waiver is not None and waiver.search(posting.text):
                        return None
                    return {"phrase": " ".join(match.group(0).split())}
        return None

    return check


_APPS = r"(?:telegram|whatsapp|whats\s?app|wechat|viber|kakaotalk|line\s+app)"
_CONTACT_VERB = (r"\b(?:contact\w*|message|messaging|text|texting|reach\w*|dm|add|chat\s+with|chatting|write|appl(?:y|ies|ying)"
                 r"|interview\w*|talk\w*|send)\b")  # verbs only: "chat messages in WhatsApp" is data, not contact

PHRASE_RULES = {
    "asks_for_payment": PhraseRule((
        "fee", "deposit", "charge", "starter", "pay for", "vendor", "supplier", "store", "partner",
        "gift", "recharge", "top", "usdt", "bitcoin", "btc", "crypto"), (
        r"\b(?:training|registration|application|activation|onboarding|processing|membership|certification"
        r"|enrol?ment|joining|starter|account|admin|administrative|upfront|up-front|refundable|security|kit)"
        r"\s+(?:fee|fees|deposit|charge)\b",
        r"\bstarter[\s-]+(?:kit|pack|package)s?\b",
        r"\bpay\s+(?:a|an|the|your|us|our)?\s*(?:small\s+|one[\s-]time\s+|refundable\s+|\$?\d+\s+)?(?:fee|deposit)\b",
        r"\b(?:you\s+(?:must|will|need\s+to|have\s+to|are\s+required\s+to|'ll)|must|required\s+to)\s+pay\s+for\s+"
        r"(?:your\s+|the\s+|our\s+)?(?:own\s+)?(?:training|certification|software"
        r"|starter\s+kit|kit|background\s+check|onboarding|account\s+activation|equipment)\b",
        r"\b(?:buy|purchase|order)\s+[^.\n]{0,40}?\bfrom\s+(?:our|the|a|an)\s+(?:approved\s+|designated\s+|preferred\s+)?"
        r"(?:vendor|supplier|store|partner)s?\b",
        r"\b(?:buy|purchase|send|pay\s+(?:with|in|by))\s+(?:\w+\s+){0,2}gift\s*cards?\b",
        r"\bdeposit\s+[^.\n]{0,40}?\b(?:to|in\s+order\s+to)\s+(?:unlock|activate|start|withdraw|access|upgrade"
        r"|continue|receive|release)\b",
        r"\b(?:recharge|top[\s-]?up)\s+(?:your\s+)?(?:account|balance|wallet)\b",
        r"\b(?:usdt|bitcoin|btc|crypto|cryptocurrency)\s+(?:deposit|payment|transfer)\b",
        r"\bdeposit\s+(?:\w+\s+)?(?:usdt|bitcoin|btc|crypto|cryptocurrency)\b",
    )),
    "check_deposit": PhraseRule(("check", "cheque", "overpayment", "difference", "remainder", "excess", "extra"), (
        r"\b(?:send|mail|issue|give|courier)\s+you\s+(?:a\s+)?(?:cashier'?s\s+|certified\s+|company\s+)?(?:check|cheque)s?\b",
        r"\bdeposit\s+(?:the|a|this|our|that)\s+(?:\w+\s+)?(?:check|cheque)\b",
        r"\b(?:cashier'?s|certified)\s+(?:check|cheque)s?\b",
        r"\boverpayment\b",
        r"\b(?:wire|send|transfer|return)\s+(?:back\s+)?the\s+(?:difference|remainder|excess|extra\s+(?:money|funds))\b",
    )),
    "reshipping": PhraseRule(("ship", "parcel", "package", "repack"), (
        r"\bre-?ship(?:ping|per|pers|ment|ments)?\b",
        r"\b(?:receive|accept)\s+(?:and\s+)?(?:\w+\s+){0,2}(?:packages|parcels|shipments)\b[^.\n]{0,60}?"
        r"\b(?:forward|re-?ship|repackage|repack|send\s+(?:them\s+)?on)\b",
        r"\brepack(?:age|aging|ing)?\s+(?:and\s+)?(?:forward|ship|send|post)\b",
        r"\bpackage\s+(?:forwarding|handler|inspector|processing\s+(?:agent|coordinator))\b",
    )),
    "messaging_app_contact": PhraseRule((
        "t.me", "wa.me", "whatsapp", "whats app", "telegram", "wechat", "viber", "kakaotalk", "line app", "signal"), (
        r"\b(?:t\.me|wa\.me|chat\.whatsapp\.com)/",
        _CONTACT_VERB + r"[^.\n]{0,60}?\b(?:on|via|through|using|over|at|in)\s+" + _APPS + r"\b",
        _CONTACT_VERB + r"[^.\n]{0,60}?\b(?:on|via|through|using)\s+signal(?:\s+(?:app|messenger))?\b(?!\s+processing)",
        r"\b" + _APPS + r"\s*(?::|@|\+|\(|number|id\b|handle|username)",
    )),
    "pressure_to_act_fast": PhraseRule(("only", "within", "act ", "expire", "ends ", "closes "), (
        r"\bonly\s+\d+\s+(?:spots|places|positions|seats|openings|slots|vacancies)\s+(?:left|remaining|available)\b",
        r"\b(?:reply|respond|apply|register|sign\s+up|confirm)\s+within\s+\d+\s+(?:minutes?|mins?|hours?|hrs?)\b",
        r"\bact\s+(?:fast|now|quickly|immediately)\b",
        r"\b(?:offer|spots?|places?)\s+(?:expires?|ends?|closes?)\s+(?:today|tonight|in\s+\d+\s+(?:minutes?|hours?))\b",
    )),
    "guaranteed_income": PhraseRule(("guarantee",), (
        r"\bguaranteed\s+(?:job|jobs|position|placement|employment|hire|hiring|income|earnings|profit|profits"
        r"|acceptance|approval)\b",
        r"\b(?:job|position|placement|employment|income|earnings|acceptance|approval)\s+(?:is\s+)?guaranteed\b",
        r"\bguarantee(?:s|d)?\s+(?:you\s+)?(?:a\s+)?(?:job|position|income|earnings)\b",
    )),
    # Annotation platforms often hire by test instead of interview, so a test or assessment waives this.
    "hired_without_checks": PhraseRule(("interview", "application", "screening", "hired", "approved", "accepted",
                                        "instant"), (
        r"\bno\s+(?:interview|interviews|application|screening)\s*(?:needed|required|necessary)?\b",
        r"\bwithout\s+(?:an?\s+)?interview\b",
        r"\b(?:hired|approved|accepted)\s+(?:immediately|instantly|on\s+the\s+spot|same\s+day|right\s+away)\b",
        r"\binstant(?:ly)?\s+(?:hire|hiring|hired|approval)\b",
    ), waived_by=r"\b(?:assessment|qualification|qualifying|test|tests|exam|screening\s+task|trial\s+task)\b"),
}

# --- Pay far above the field's range ----------------------------------------------------------------


@dataclass(frozen=True)
class PayBand:
    """A kind of work with the top of its usual hourly pay and how far above it pay is suspicious."""

    label: str
    top_usd_per_hour: float
    multiple: float
    wording: str | None  # a regex that puts a posting in this band; None for the default band


# From content/guides/pay-and-career-growth.md: generalist AI training reaches roughly US$20-25 an
# hour on postings aimed at higher-cost countries; domain-expert work is "several tens" of dollars,
# taken here as US$60. Pay above three times the top is flagged; for "no experience needed" work,
# where the FTC warns about lots of money for little effort, above twice the generalist top.
PAY_BANDS = (
    PayBand("work that needs no experience", 25, 2, r"\bno\s+(?:prior\s+)?experience\s+(?:is\s+)?(?:needed|required|necessary)\b"),
    PayBand("domain-expert AI training", 60, 3,
            r"\b(?:expert|experts|phd|ph\.d|doctorate|physician|doctor|nurse|lawyer|attorney|licensed|licenced"
            r"|software\s+engineer|developer|coding|programmer|programming|mathematics|mathematician|physics"
            r"|chemistry|biology|medicine|medical|pharmacist|accountant|cpa|actuary|finance\s+professional)\b"),
    PayBand("generalist annotation and AI training", 25, 3, None),
)
LOWEST_PAY_CEILING = min(band.top_usd_per_hour * band.multiple for band in PAY_BANDS)
_PAY_BAND_WORDING = tuple((band, re.compile(band.wording) if band.wording else None) for band in PAY_BANDS)


def _pay_too_high(posting: Posting, prepared: PostingText) -> dict | None:
    """The hourly pay and the band it exceeds, when pay is far above the usual range."""
    hourly = hourly_equivalent_usd(posting.pay) if posting.pay else None
    if hourly is None or hourly <= LOWEST_PAY_CEILING:
        return None
    band = next(band for band, wording in _PAY_BAND_WORDING if wording is None or wording.search(prepared.text))
    if hourly <= band.top_usd_per_hour * band.multiple:
        return None
    return {"hourly": f"{hourly:,.0f}", "band": band.label, "top": f"{band.top_usd_per_hour:,.0f}",
            "multiple": f"{band.multiple:g}"}


# --- Personal email addresses --------------------------------------------------------------------------

FREE_EMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "rocketmail.com", "outlook.com", "hotmail.com",
    "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com",
    "protonmail.ch", "pm.me", "gmx.com", "gmx.net", "gmx.de", "mail.com", "email.com", "yandex.com",
    "yandex.ru", "mail.ru", "zoho.com", "zohomail.com", "tutanota.com", "tuta.io", "qq.com", "163.com",
    "126.com", "rediffmail.com", "web.de", "inbox.com", "hushmail.com", "fastmail.com",
})
FREE_EMAIL_PROVIDERS = frozenset({"yahoo", "hotmail", "outlook", "live", "gmx", "yandex"})  # any country ending
_EMAIL_DOMAIN = re.compile(r"@([a-z0-9-]+(?:\.[a-z0-9-]+)+)")  # found from the "@", which is fast to search for
_EMAIL_LOCAL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._%+-")
_MAILTO = re.compile(r"mailto:([^\"'?>\s]+)")


def _is_free_email_domain(domain: str) -> bool:
    """Whether an email domain belongs to a free personal mail service."""
    return domain in FREE_EMAIL_DOMAINS or domain.split(".", 1)[0] in FREE_EMAIL_PROVIDERS


def _personal_email(posting: Posting, prepared: PostingText) -> dict | None:
    """The first free-mail domain given as a contact address."""
    for domain in prepared.email_domains:
        if _is_free_email_domain(domain):
            return {"domain": domain}
    return None


# --- Look-alike domains -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    """A known annotation platform or hiring system: its real domains, and the names it goes by."""

    name: str
    domains: tuple[str, ...]
    names: tuple[str, ...] = ()  # squashed names ("scaleai") a look-alike domain would contain


KNOWN_PLATFORMS = (
    Platform("Scale AI", ("scale.com",), ("scaleai",)),
    Platform("Remotasks", ("remotasks.com",), ("remotasks",)),
    Platform("Outlier", ("outlier.ai",), ("outlier",)),
    Platform("DataAnnotation", ("dataannotation.tech",), ("dataannotation",)),
    Platform("Appen", ("appen.com",), ("appen",)),
    Platform("TELUS Digital", ("telusinternational.com", "telusinternational.ai", "telusdigital.com", "telus.com"),
             ("telusinternational", "telusdigital")),
    Platform("Toloka", ("toloka.ai",), ("toloka",)),
    Platform("Clickworker", ("clickworker.com",), ("clickworker",)),
    Platform("Amazon Mechanical Turk", ("mturk.com",), ("mturk", "mechanicalturk")),
    Platform("Prolific", ("prolific.com", "prolific.co", "prolific.ac"), ("prolific",)),
    Platform("Alignerr", ("alignerr.com",), ("alignerr",)),
    Platform("Mercor", ("mercor.com",), ("mercor",)),
    Platform("Surge AI", ("surgehq.ai",), ("surgehq", "surgeai")),
    Platform("Labelbox", ("labelbox.com",), ("labelbox",)),
    Platform("iMerit", ("imerit.net",), ("imerit",)),
    Platform("CloudFactory", ("cloudfactory.com",), ("cloudfactory",)),
    Platform("Welocalize", ("welocalize.com",), ("welocalize",)),
    Platform("OneForma", ("oneforma.com",), ("oneforma",)),
    Platform("Lionbridge", ("lionbridge.com",), ("lionbridge",)),
    Platform("Invisible Technologies", ("invisible.co", "invisibletech.ai"), ("invisibletech",)),
    Platform("Snorkel AI", ("snorkel.ai",), ("snorkelai",)),
    Platform("Handshake", ("joinhandshake.com",), ("joinhandshake",)),
    # Hiring systems and job sites: real domains only, their names are too common to compare.
    Platform("Greenhouse", ("greenhouse.io",)),
    Platform("Lever", ("lever.co",)),
    Platform("Ashby", ("ashbyhq.com",)),
    Platform("Workable", ("workable.com",)),
    Platform("Recruitee", ("recruitee.com",)),
    Platform("SmartRecruiters", ("smartrecruiters.com",)),
    Platform("Workday", ("myworkdayjobs.com", "workday.com")),
    Platform("Teamtailor", ("teamtailor.com",)),
    Platform("BambooHR", ("bamboohr.com",)),
    Platform("Breezy HR", ("breezy.hr",)),
    Platform("Indeed", ("indeed.com",)),
    Platform("LinkedIn", ("linkedin.com",)),
    Platform("Upwork", ("upwork.com",)),
)
REAL_DOMAINS = frozenset(domain for platform in KNOWN_PLATFORMS for domain in platform.domains)
# Endings under which anyone can register a name, so the registrable domain has one more label.
MULTI_LABEL_SUFFIXES = frozenset({
    "co.uk", "org.uk", "ac.uk", "com.au", "net.au", "org.au", "co.nz", "co.in", "co.jp", "co.kr", "com.br",
    "com.mx", "co.za", "com.sg", "com.ph", "com.ng", "co.ke", "com.tr", "com.pk", "com.ar", "com.co",
    "github.io", "netlify.app", "vercel.app", "herokuapp.com", "web.app", "firebaseapp.com", "pages.dev",
    "wixsite.com", "blogspot.com", "carrd.co", "notion.site", "weebly.com", "wordpress.com",
    "azurewebsites.net", "onrender.com", "glitch.me", "webflow.io", "godaddysites.com", "square.site",
})
# Characters scammers swap for look-alikes: digits for letters and letters from other alphabets.
LOOKALIKE_CHARACTERS = str.maketrans({
    "0": "o", "1": "l", "3": "e", "5": "s", "7": "t", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c",
    "х": "x", "у": "y", "і": "i", "ӏ": "l", "ј": "j", "ԁ": "d", "ɡ": "g", "ո": "n",
})
LOOKALIKE_DIGRAPHS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+")
_HREF = re.compile(r"href\s*=\s*[\"']([^\"']+)")


def registrable_domain(host: str) -> str:
    """The part of a host name its owner registered ('jobs.scale.com' -> 'scale.com')."""
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


def _squash(text: str) -> str:
    """Letters and digits only, so 'scale-ai' and 'scaleai' compare equal."""
    return re.sub(r"[^0-9a-z\u0080-\uffff]", "", text.lower())


def _unmask(label: str) -> str:
    """A domain label with look-alike characters replaced by the letters they imitate."""
    unmasked = label.translate(LOOKALIKE_CHARACTERS)
    for digraph, letter in LOOKALIKE_DIGRAPHS:
        unmasked = unmasked.replace(digraph, letter)
    return unmasked


def _within_edits(first: str, second: str, limit: int) -> bool:
    """Whether two short strings differ by at most `limit` insertions, deletions, swaps or changes."""
    if abs(len(first) - len(second)) > limit:
        return False
    previous_previous: list[int] = []
    previous = list(range(len(second) + 1))
    for row, first_char in enumerate(first, 1):
        current = [row] + [0] * len(second)
        for column, second_char in enumerate(second, 1):
            cost = first_char != second_char
            current[column] = min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + cost)
            if (row > 1 and column > 1 and first_char == second[column - 2] and first[row - 2] == second_char):
                current[column] = min(current[column], previous_previous[column - 2] + 1)
        if min(current) > limit:
            return False
        previous_previous, previous = previous, current
    return previous[-1] <= limit


def _is_typo_of(label: str, name: str) -> bool:
    """Whether a squashed label is a one- or two-letter misspelling of a long platform name."""
    if len(name) < 6:
        return False  # short names sit inside too many ordinary words
    limit = 1 if len(name) < 9 else 2
    if len(set(name) - set(label)) > limit:
        return False  # cheap test first: a typo loses at most `limit` of the name's letters
    return _within_edits(label, name, limit)


def _decode_host(host: str) -> str:
    """A host name with punycode labels ('xn--...') shown as the characters they stand for."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return host


def _imitated_platform(host: str, prepared: PostingText) -> Platform | None:
    """The platform a host imitates, or None for a real domain or one that resembles none."""
    host = _decode_host(host.lower().rstrip("."))
    domain = registrable_domain(host)
    if domain in REAL_DOMAINS or domain in FREE_EMAIL_DOMAINS:
        return None
    for platform in KNOWN_PLATFORMS:
        if any(host.startswith(real + ".") or f".{real}." in host for real in platform.domains):
            return platform  # the real name as a subdomain: outlier.ai.pay-portal.net
    label = domain.rsplit(".", 1)[0] if domain.count(".") == 1 else domain.split(".", 1)[0]
    squashed, unmasked = _squash(label), _squash(_unmask(label))
    parts = [_squash(part) for part in re.split(r"[-.]", label)]
    for platform in KNOWN_PLATFORMS:
        for name in platform.names:
            if unmasked == name and squashed != name:
                return platform  # digits or foreign letters posing as the name: 0utlier, аppen
            resembles = (
                squashed == name  # the real name under another ending: outlier.work
                or squashed.startswith(name) or squashed.endswith(name)  # extra words: appen-careers
                or name in parts
                or _is_typo_of(unmasked, name)
            )
            if resembles and _mentions(prepared, platform) and not _owns_domain(prepared, label, platform):
                return platform
    return None


# Words an impersonator adds to a platform's name ("Outlier AI Careers"); any other word makes the
# company a different business that may own a similar domain ("Outlier Ventures", outlierventures.io).
GENERIC_COMPANY_WORDS = frozenset({
    "ai", "jobs", "job", "careers", "career", "hiring", "hire", "recruiting", "recruitment", "hr", "team", "tech",
    "technologies", "work", "works", "official", "global", "inc", "llc", "ltd", "the", "and", "data", "labs",
})


def _owns_domain(prepared: PostingText, label: str, platform: Platform) -> bool:
    """Whether the posting's company is a different business whose name is the domain's label."""
    company_words = re.findall(r"\w+", prepared.headline.split("\n", 1)[0])
    platform_words = set(re.findall(r"\w+", platform.name.lower())) | set(platform.names)
    distinct = [word for word in company_words if word not in platform_words and word not in GENERIC_COMPANY_WORDS]
    return bool(distinct) and _squash("".join(company_words)) == _squash(label)


def _mentions(prepared: PostingText, platform: Platform) -> bool:
    """Whether the posting names the platform, as an impersonation does: in the company or title, or
    capitalised in the description (so "outlier detection" does not count as naming Outlier)."""
    squashed_headline = _squash(prepared.headline)
    if any(name in squashed_headline for name in (*platform.names, _squash(platform.name))):
        return True
    return re.search(rf"\b{re.escape(platform.name)}\b", prepared.description) is not None


def _lookalike_domain(posting: Posting, prepared: PostingText) -> dict | None:
    """The first link or email domain imitating a known platform, with that platform's real domain."""
    for host in (*prepared.hosts, *prepared.email_domains):
        platform = _imitated_platform(host, prepared)
        if platform is not None:
            return {"domain": host, "platform": platform.name, "real": " or ".join(platform.domains)}
    return None


# --- The registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagRule:
    """One warning sign: a stable code, a message template and the check that fills it."""

    code: str
    title: str  # a few words for cards and lists: "Asks for payment"
    message: str  # str.format template; the check's dict supplies the fields
    check: Callable[[Posting, PostingText], dict | None]


FLAG_RULES: dict[str, FlagRule] = {}


def register(rule: FlagRule) -> FlagRule:
    """Add a rule to the registry; a code used twice is a programming error."""
    if rule.code in FLAG_RULES:
        raise ValueError(f"flag rule '{rule.code}' is registered twice")
    FLAG_RULES[rule.code] = rule
    return rule


def _from_phrases(code: str) -> Callable[[Posting, PostingText], dict | None]:
    """Adapt a phrase rule's check to the registry's (posting, prepared) signature."""
    check = _phrase_check(PHRASE_RULES[code])
    return lambda posting, prepared: check(prepared)


register(FlagRule(
    "asks_for_payment",
    "Asks for payment",
    "This posting asks you to pay (it mentions \"{phrase}\"). A real job pays you: it never asks you to pay "
    "for a starter kit, training, equipment, a deposit to unlock tasks or gift cards. The FTC's advice is "
    "never to pay to get a job or to get paid. Do not send money.",
    _from_phrases("asks_for_payment")))
register(FlagRule(
    "check_deposit",
    "Check-deposit scheme",
    "This posting describes a check you deposit and then send money from (it mentions \"{phrase}\"). The "
    "FTC calls this a fake-check scam: the check bounces days later and you owe the bank everything you "
    "sent. Never forward money from a check an employer sends you.",
    _from_phrases("check_deposit")))
register(FlagRule(
    "reshipping",
    "Parcel reshipping",
    "This posting describes receiving and forwarding parcels (it mentions \"{phrase}\"). The FTC is clear "
    "that reshipping is never a real job: the goods are usually bought with stolen cards. Do not accept it.",
    _from_phrases("reshipping")))
register(FlagRule(
    "messaging_app_contact",
    "Chat-app contact",
    "This posting sends you to a chat app to apply or talk (it mentions \"{phrase}\"). The FTC warns that "
    "real employers do not recruit through WhatsApp, Telegram or text messages. Apply only through the "
    "company's own website, which you find yourself.",
    _from_phrases("messaging_app_contact")))
register(FlagRule(
    "personal_email",
    "Personal email address",
    "The contact address uses a free personal email service ({domain}), not the company's own domain. "
    "Scammers posing as recruiters often do this. Check the address against the company's official website "
    "before you send anything.",
    _personal_email))
register(FlagRule(
    "pay_too_high",
    "Pay far above the usual range",
    "The pay works out at about US${hourly} an hour, more than {multiple} times the top of the usual range "
    "for {band} (about US${top} an hour, as the portal's pay guide explains). Pay far above the going rate "
    "is a classic scam sign. Research the company carefully before sharing personal details.",
    _pay_too_high))
register(FlagRule(
    "lookalike_domain",
    "Look-alike web address",
    "The address {domain} looks like {platform}'s, but {platform}'s real address is {real}. Scammers "
    "register look-alike addresses to impersonate known platforms. Go to {platform} by typing its address "
    "yourself and compare the two letter by letter.",
    _lookalike_domain))
register(FlagRule(
    "guaranteed_income",
    "Guaranteed job or income",
    "This posting guarantees a job or earnings (it says \"{phrase}\"). No one can guarantee you a job or "
    "income; the FTC advises never to respond to ads that do. Treat the offer with great caution.",
    _from_phrases("guaranteed_income")))
register(FlagRule(
    "hired_without_checks",
    "Hired without checks",
    "This posting promises hiring without an interview or test (it says \"{phrase}\"). Real platforms check "
    "applicants with an interview or qualification test first; instant hiring is a common sign of a scam "
    "that is after your money or personal details.",
    _from_phrases("hired_without_checks")))
register(FlagRule(
    "pressure_to_act_fast",
    "Pressure to act fast",
    "This posting pushes you to decide quickly (it says \"{phrase}\"). The FTC advises not to deal with "
    "anyone who says you must act fast. A real employer gives you time to check them out.",
    _from_phrases("pressure_to_act_fast")))


def prepare(posting: Posting) -> PostingText:
    """The text, links and contact emails the rules read, gathered once per posting."""
    description_text = posting.description_text if isinstance(posting.description_text, str) else ""
    description_html = posting.description_html if isinstance(posting.description_html, str) else ""
    if not description_text and description_html:
        description_text = html_to_text(description_html)
    title = posting.title if isinstance(posting.title, str) else ""
    parts = (title, posting.pay_text, description_text)
    text = "\n".join(part for part in parts if isinstance(part, str))[:TEXT_SCAN_LIMIT].lower()
    html_lower = description_html[:TEXT_SCAN_LIMIT].lower()
    extra = posting.extra if isinstance(posting.extra, dict) else {}
    urls = [posting.url, extra.get("apply_url")]
    urls += _HREF.findall(html_lower) if "href" in html_lower else []
    urls += _URL_IN_TEXT.findall(text) if "http" in text else []
    hosts = _unique(host for host in map(_host_of, urls) if host)
    email_domains = [address.rsplit("@", 1)[-1] for address in _MAILTO.findall(html_lower) if "@" in address]
    email_domains += _contact_email_domains(text)
    company = posting.company if isinstance(posting.company, str) else ""
    return PostingText(text=text, headline=f"{company}\n{title}".lower(), description=description_text[:TEXT_SCAN_LIMIT],
                       hosts=tuple(hosts), email_domains=tuple(_unique(email_domains)))


def _contact_email_domains(text: str) -> list[str]:
    """Domains of the email addresses in a text, except those a sentence warns about."""
    domains = []
    index = text.find("@")
    while index != -1:
        match = _EMAIL_DOMAIN.match(text, index)
        if match and index > 0 and text[index - 1] in _EMAIL_LOCAL_CHARACTERS and not _denied(text, index):
            domains.append(match.group(1).rstrip("."))
        index = text.find("@", index + 1)
    return domains


def _host_of(url: object) -> str | None:
    """The host name of an http(s) URL, or None for anything else."""
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        return None
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def _unique(values) -> list:
    """The values in order, without repeats."""
    return list(dict.fromkeys(values))


def scam_flags(posting: Posting) -> list[Flag]:
    """Every warning sign the posting shows, each with a message saying what it means and what to do."""
    prepared = prepare(posting)
    flags = []
    for rule in FLAG_RULES.values():
        details = rule.check(posting, prepared)
        if details is not None:
            flags.append(Flag(code=rule.code, message=rule.message.format(**details)))
    return flags


def flag_title(code: str) -> str:
    """The short title of a flag code; a code no rule knows any more reads as words."""
    rule = FLAG_RULES.get(code)
    return rule.title if rule else code.replace("_", " ").replace("-", " ").capitalize()
