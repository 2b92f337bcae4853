"""Definition files a förbund uploads as its own, for the tests of per-förbund questionnaires."""

from __future__ import annotations


def mala(version: str = "1", first_text: str = "Jag har energi") -> bytes:
    """A small förbund questionnaire: three scale items 1–6, one yes/no, one single choice."""
    return f"""id: mala
name: Måla för hälsan
version: "{version}"
respondent: participant
title:
  sv: Måla för hälsan
pages:
  - items:
      - id: energi
        type: scale
        min: 1
        max: 6
        direction: higher
        text: {{sv: "{first_text}"}}
      - id: somn
        type: scale
        min: 1
        max: 6
        direction: higher
        text: {{sv: "Jag sover bra"}}
      - id: rorelse
        type: scale
        min: 1
        max: 6
        direction: higher
        text: {{sv: "Jag rör på mig"}}
      - id: stod
        type: yes_no
        text: {{sv: "Har du någon att prata med?"}}
      - id: dag
        type: single_choice
        text: {{sv: "Hur ser din dag ut?"}}
        choices:
          - {{value: hemma, label: {{sv: "Mest hemma"}}}}
          - {{value: ute, label: {{sv: "Mest ute"}}}}
""".encode()


# Line 12 breaks: a scale whose max is text.
BROKEN = b"""id: trasig
name: Trasig
version: "1"
respondent: participant
title:
  sv: Trasig
pages:
  - items:
      - id: energi
        type: scale
        min: 1
        max: sex
        text: {sv: "Jag har energi"}
"""
