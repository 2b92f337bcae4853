"""Text helpers of the respondent's pages (their words: gettext catalogues, survey_app.i18n)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

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
