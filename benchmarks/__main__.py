"""Run every benchmark: `make bench`. Figures go into docs/benchmarks.md by hand, with the date."""

from benchmarks import staff_pages, survey_pages

if __name__ == "__main__":
    staff_pages.main()
    survey_pages.main()
