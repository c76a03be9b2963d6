"""Personal data out of in-situ text before anything is stored (issue 19, point 2).

A live chat product's conversations carry what its users typed: e-mail addresses, phone numbers,
card numbers, IP addresses, URLs with a password in them. Each kind has one detector here, built
on what knows the format best rather than a broad regular expression:

- phone numbers: Google's libphonenumber metadata (``phonenumbers``): any plausible number written
  with "+" and a country code, and valid national numbers of the source's regions (``020 7946
  0958`` is a number only in some; a bare 10-digit run such as a Unix timestamp can read as an
  Indian mobile number, so "IN" in the regions costs some false alarms);
- payment cards: 13 to 19 digits in groups, kept only when the Luhn checksum holds;
- IP addresses: candidates confirmed by the standard library's ``ipaddress``;
- URLs with credentials: the ``user:password@`` part, and query parameters named like secrets;
  the rest of the URL stays (where the user was sent is useful, their password is not);
- e-mail addresses: the RFC 5322 "dot-atom" shape every mail client accepts;
- the researcher's own patterns, run by RE2: it matches in linear time, so a pattern cannot
  hang ingestion whatever text comes in.

Each finding is replaced by its kind's placeholder (``[EMAIL]``, ``[PHONE]``...), so a model
trained on the text still sees that something was there. ``tests/unit/test_pii_recall.py``
measures recall on a corpus of every kind (≥ 0.95) and the false alarms on text without any.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import phonenumbers
import re2  # type: ignore[import-untyped]

# Bounds on what a source may configure: patterns are the researcher's, still bounded.
MAX_CUSTOM_PATTERNS = 20
MAX_PATTERN_LENGTH = 500
MAX_PHONE_REGIONS = 10
LABEL = re.compile(r"[A-Z][A-Z0-9_]{0,31}")


class PiiKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    PAYMENT_CARD = "payment_card"
    IP_ADDRESS = "ip_address"
    URL_CREDENTIALS = "url_credentials"


PLACEHOLDERS: dict[str, str] = {
    PiiKind.EMAIL: "[EMAIL]",
    PiiKind.PHONE: "[PHONE]",
    PiiKind.PAYMENT_CARD: "[CARD]",
    PiiKind.IP_ADDRESS: "[IP]",
    PiiKind.URL_CREDENTIALS: "[CREDENTIALS]",
}


class PolicyError(ValueError):
    """A redaction policy that cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class CustomPattern:
    """A researcher's pattern (RE2 syntax) and the label its placeholder shows: ``[LABEL]``."""

    label: str
    pattern: str

    def compiled(self) -> re2._Regexp:
        return _compile_custom(self.label, self.pattern)


@dataclass(frozen=True)
class RedactionPolicy:
    kinds: frozenset[PiiKind] = frozenset(PiiKind)
    # Regions whose national phone formats count; numbers written with "+" count everywhere.
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN")
    custom: tuple[CustomPattern, ...] = ()

    def __post_init__(self) -> None:
        if len(self.phone_regions) > MAX_PHONE_REGIONS:
            raise PolicyError(f"at most {MAX_PHONE_REGIONS} phone regions")
        supported = phonenumbers.SUPPORTED_REGIONS
        unknown = [region for region in self.phone_regions if region not in supported]
        if unknown:
            raise PolicyError(f"unknown phone regions: {', '.join(unknown)} (use ISO 3166 codes)")
        if len(self.custom) > MAX_CUSTOM_PATTERNS:
            raise PolicyError(f"at most {MAX_CUSTOM_PATTERNS} custom patterns")
        for custom in self.custom:
            custom.compiled()  # raises PolicyError for a bad one, before any text meets it


@dataclass(frozen=True)
class Finding:
    kind: str  # a PiiKind value, or a custom pattern's label
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS.get(self.kind, f"[{self.kind}]")


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: Counter[str] = field(default_factory=Counter)  # findings per kind

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def redact(text: str, policy: RedactionPolicy) -> Redacted:
    """``text`` with every finding replaced by its placeholder, and how many of each kind."""
    findings = _without_overlaps(find(text, policy))
    if not findings:
        return Redacted(text)
    pieces: list[str] = []
    at = 0
    for finding in findings:
        pieces += [text[at : finding.start], finding.placeholder]
        at = finding.end
    pieces.append(text[at:])
    return Redacted("".join(pieces), Counter(finding.kind for finding in findings))


def find(text: str, policy: RedactionPolicy) -> list[Finding]:
    """Every finding in ``text``, possibly overlapping, in no particular order."""
    found: list[Finding] = []
    kinds = policy.kinds
    credentials: list[Finding] = []
    if PiiKind.URL_CREDENTIALS in kinds and ("://" in text or "=" in text):
        credentials = list(_url_credentials(text))
        found += credentials
    if PiiKind.EMAIL in kinds and "@" in text:
        # "https://user:password@host" reads as an address "password@host": the host stays.
        found += (
            email
            for email in _spans(PiiKind.EMAIL, _EMAIL.finditer(text))
            if not any(c.start <= email.start < c.end for c in credentials)
        )
    digits = len(_DIGIT.findall(text))
    if PiiKind.PAYMENT_CARD in kinds and digits >= 13:
        found += _cards(text)
    if PiiKind.IP_ADDRESS in kinds and ("." in text or ":" in text):
        found += _ip_addresses(text)
    if PiiKind.PHONE in kinds and digits >= 6:
        found += _phones(text, policy.phone_regions, taken=list(found))
    for custom in policy.custom:
        found += _spans(custom.label, custom.compiled().finditer(text))
    return found


# --- detectors ------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\b"
)
_DIGIT = re.compile(r"\d")
# user:password@ after a scheme; the password part may hold anything but "@", "/" and spaces.
_URL_USERINFO = re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,15}://([^\s/@:]+:[^\s/@]+)@")
_SECRET_PARAMETER = re.compile(
    r"(?i)[?&](?:access_token|api_?key|apikey|auth|password|passwd|pwd|secret|token|sig|signature"
    r"|client_secret|refresh_token|session|sessionid)=([^&#\s]+)"
)
# 13-19 digits, optionally in groups separated by one space or dash.
_CARD = re.compile(r"(?<![\d.-])(?:\d[ -]?){12,18}\d(?![\d-])")
# At least 6 digits, maybe after "+" or "(", in one run of digits, spaces, dots, dashes, slashes
# and brackets (a number's own characters; "ext." and letters end a run).
_PHONE_CANDIDATE = re.compile(r"[+(]?\d[\d\s().\-/]{4,}\d")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])"
)


def _spans(kind: str, matches: Iterable[re.Match[str]]) -> Iterator[Finding]:
    for match in matches:
        if match.end() > match.start():
            yield Finding(kind, match.start(), match.end())


def _url_credentials(text: str) -> Iterator[Finding]:
    for pattern in (_URL_USERINFO, _SECRET_PARAMETER):
        for match in pattern.finditer(text):
            yield Finding(PiiKind.URL_CREDENTIALS, match.start(1), match.end(1))


def _cards(text: str) -> Iterator[Finding]:
    for match in _CARD.finditer(text):
        digits = [int(character) for character in match.group() if character.isdigit()]
        if 13 <= len(digits) <= 19 and _luhn_holds(digits):
            yield Finding(PiiKind.PAYMENT_CARD, match.start(), match.end())


def _luhn_holds(digits: list[int]) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _phones(text: str, regions: tuple[str, ...], taken: list[Finding]) -> Iterator[Finding]:
    # Written with "+" and a country code, a number of a plausible length is taken even where
    # the metadata says its range is unassigned (a user's own number is rarely a test range's,
    # but a missed one is worse than a redacted fake); national formats must be valid numbers.
    passes = [("ZZ", phonenumbers.Leniency.POSSIBLE)]
    passes += [(region, phonenumbers.Leniency.VALID) for region in regions]
    # The matcher costs ≈ 50 µs per pass per 100 characters: it reads only the runs of digits
    # and separators long enough to be a number, each with a little context around it.
    # A run another detector took (a card, an address) is not read again, and the passes stop
    # once one has taken the whole run.
    for candidate in _PHONE_CANDIDATE.finditer(text):
        if any(f.start <= candidate.start() and candidate.end() <= f.end for f in taken):
            continue
        start = max(candidate.start() - 1, 0)
        window = text[start : candidate.end() + 1]
        for region, leniency in passes:
            matches = list(phonenumbers.PhoneNumberMatcher(window, region, leniency=leniency))
            for match in matches:
                yield Finding(PiiKind.PHONE, start + match.start, start + match.end)
            if len(matches) == 1 and _covers(matches[0].raw_string, candidate.group()):
                break


def _covers(matched: str, run: str) -> bool:
    return len(_DIGIT.findall(matched)) == len(_DIGIT.findall(run))


def _ip_addresses(text: str) -> Iterator[Finding]:
    for match in _IPV4.finditer(text):
        if _is_address(match.group(), ipaddress.IPv4Address):
            yield Finding(PiiKind.IP_ADDRESS, match.start(), match.end())
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            candidate = match.group()
            if candidate.count(":") >= 2 and _is_address(candidate, ipaddress.IPv6Address):
                yield Finding(PiiKind.IP_ADDRESS, match.start(), match.end())


def _is_address(candidate: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(candidate)
    except ValueError:
        return False
    return True


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Left to right; where two overlap, the one starting first wins, the longer on a tie, and
    a later one reaching past it extends the redacted span (nothing of either survives)."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            if finding.end > last.end:
                merged[-1] = Finding(last.kind, last.start, finding.end)
            continue
        merged.append(finding)
    return merged


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error comes back as PolicyError; no line on stderr
_RE2_OPTIONS.max_mem = 8 << 20  # a pattern whose program needs more is refused at compile

_compiled_custom: dict[tuple[str, str], re2._Regexp] = {}


def _compile_custom(label: str, pattern: str) -> re2._Regexp:
    key = (label, pattern)
    if key in _compiled_custom:
        return _compiled_custom[key]
    if not LABEL.fullmatch(label):
        raise PolicyError(f"pattern label {label!r}: 1-32 capital letters, digits or _")
    if label.lower() in set(PiiKind):
        raise PolicyError(f"pattern label {label!r} is a built-in kind")
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        raise PolicyError(f"pattern {label}: 1-{MAX_PATTERN_LENGTH} characters")
    try:
        compiled = re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args else "?"
        raise PolicyError(f"pattern {label}: not a valid RE2 expression ({reason})") from None
    if compiled.search(""):
        raise PolicyError(f"pattern {label} matches empty text")
    if len(_compiled_custom) > 1000:
        _compiled_custom.clear()
    _compiled_custom[key] = compiled
    return compiled
