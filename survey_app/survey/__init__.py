"""The way through a questionnaire bundle: personal links, tablet mode, staff entry."""
