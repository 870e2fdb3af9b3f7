"""Print the W3C conformance report (MUST and SHOULD counts, failing SHOULDs) after the run."""

from typing import Any

from tests.web.conftest import store_article  # noqa: F401 - the page tests' fixture, reused

REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("W3C Web Annotation test suite")
        for line in REPORT:
            terminalreporter.write_line(line)
