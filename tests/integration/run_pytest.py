"""Runs one pytest file for ctest. When every test in it was skipped (no GPU,
no Slurm cluster), exits 77, which ctest's SKIP_RETURN_CODE reports as
"Not Run" with the reasons printed, instead of "Passed"."""
import sys

import pytest

SKIPPED = 77


class Outcomes:
    def __init__(self):
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}

    def pytest_runtest_logreport(self, report):
        if report.skipped:
            self.counts["skipped"] += 1
        elif report.failed:
            self.counts["failed"] += 1
        elif report.when == "call" and report.passed:
            self.counts["passed"] += 1


def main(argv):
    outcomes = Outcomes()
    code = pytest.main(argv, plugins=[outcomes])
    if code == 0 and outcomes.counts["passed"] == 0 and outcomes.counts["skipped"] > 0:
        print(f"all {outcomes.counts['skipped']} test(s) skipped: reported to ctest as not run")
        return SKIPPED
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
