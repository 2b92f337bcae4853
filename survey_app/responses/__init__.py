"""A participant's responses, apart from the pages that ask for them: reading an occasion's
bundle, saving a page of answers, submitting, the questionnaire snapshot each response keeps,
and the violence-safety flag raised in the same transaction (`storage`). The participant pages
(`survey_app/survey/`) and staff's paper entry (`survey_app/staff/`) both use it."""
