"""The respondent interface's own words, in Swedish and English."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

TEXTS: dict[str, dict[str, str]] = {
    "page_of": {"sv": "Sida {n} av {total}", "en": "Page {n} of {total}"},
    "next": {"sv": "Nästa", "en": "Next"},
    "back": {"sv": "Tillbaka", "en": "Back"},
    "start": {"sv": "Börja", "en": "Start"},
    "resume": {"sv": "Fortsätt där du slutade", "en": "Continue where you stopped"},
    "welcome": {"sv": "Välkommen", "en": "Welcome"},
    "intro": {
        "sv": "Här är några frågor om hur du har det. Dina svar hjälper oss att bli bättre. "
        "Svaren sparas när du går vidare till nästa sida, så du kan ta en paus och fortsätta "
        "senare.",
        "en": "Here are some questions about how you are. Your answers help us improve. Your "
        "answers are saved when you go to the next page, so you can take a break and continue "
        "later.",
    },
    "contains": {"sv": "Det här ingår:", "en": "This includes:"},
    "pages_total": {"sv": "{total} sidor", "en": "{total} pages"},
    "errors": {
        "sv": "Några svar saknas eller behöver rättas. Se markeringarna nedan.",
        "en": "Some answers are missing or need correcting. See the marks below.",
    },
    "no_questions": {
        "sv": "Det finns inga frågor för dig på den här sidan. Gå vidare med Nästa.",
        "en": "There are no questions for you on this page. Continue with Next.",
    },
    "confirm_title": {"sv": "Klart att skicka", "en": "Ready to send"},
    "confirm_text": {
        "sv": "Du har svarat på alla sidor. Vill du ändra något kan du gå tillbaka. När du "
        "skickar in kan svaren inte ändras.",
        "en": "You have answered all pages. You can go back to change something. Once you send, "
        "the answers cannot be changed.",
    },
    "send": {"sv": "Skicka in svaren", "en": "Send my answers"},
    "thanks_title": {"sv": "Tack för dina svar!", "en": "Thank you for your answers!"},
    "thanks_text": {
        "sv": "Dina svar är inskickade. Du kan stänga sidan nu.",
        "en": "Your answers have been sent. You can close this page now.",
    },
    "thanks_kiosk": {
        "sv": "Dina svar är inskickade. Lämna tillbaka surfplattan till personalen.",
        "en": "Your answers have been sent. Please hand the tablet back to the staff.",
    },
    "error_prefix": {"sv": "Fel:", "en": "Error:"},
    "error_summary": {"sv": "Det finns ett problem", "en": "There is a problem"},
    # What to do when a required answer is missing, per item type (fields.missing_message).
    "missing_scale": {
        "sv": "Välj en siffra från {low} till {high}.",
        "en": "Choose a number from {low} to {high}.",
    },
    "missing_yes_no": {"sv": "Välj ja eller nej.", "en": "Choose yes or no."},
    "missing_yes_no_decline": {
        "sv": "Välj ja, nej eller vill inte svara.",
        "en": "Choose yes, no or I prefer not to answer.",
    },
    "missing_single_choice": {
        "sv": "Välj det svar som stämmer bäst.",
        "en": "Choose the answer that fits best.",
    },
    "missing_multiple_choice": {
        "sv": "Välj ett eller flera svar.",
        "en": "Choose one or more answers.",
    },
    "missing_date": {
        "sv": "Skriv ett datum, till exempel 2026-03-01.",
        "en": "Write a date, for example 2026-03-01.",
    },
    "missing_text": {"sv": "Skriv ditt svar.", "en": "Write your answer."},
    "scale_hint": {"sv": "Välj en siffra", "en": "Choose a number"},
    "language": {"sv": "Språk", "en": "Language"},
}


def ui(key: str, language: str = "sv", **values: object) -> str:
    entry = TEXTS[key]
    return (entry.get(language) or entry["sv"]).format(**values)


# A phone number in a förbund's free-text contacts: digits with spaces or hyphens, 7 or more
# characters, optionally starting with +.
PHONE_NUMBER = re.compile(r"(?<![\w+])\+?\d[\d -]{5,}\d(?!\w)")


def phone_links(text: str) -> Markup:
    """The text, escaped, with each phone number a tel: link that can be tapped to call. The
    number stays left-to-right inside right-to-left text."""
    parts: list[str] = []
    last = 0
    for match in PHONE_NUMBER.finditer(text):
        number = match.group(0)
        parts.append(escape(text[last : match.start()]))
        parts.append(
            Markup('<a href="tel:{}" dir="ltr">{}</a>').format(re.sub(r"[ -]", "", number), number)
        )
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
