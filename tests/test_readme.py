"""README opens with the two commands a newcomer needs, and CI runs exactly its test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands():
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_opens_with_install_run_and_test_commands():
    install_run, test = _readme_commands()[:2]
    assert install_run.startswith('pip install -e ".[dev]" && neurosyn phase-diagram')
    assert test.startswith("pytest")


def test_ci_runs_the_readme_test_command():
    test = _readme_commands()[1]
    ci = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip()]
    assert ci[-1] == test
    assert 'pip install --quiet -e ".[dev]"' in (ROOT / ".ci" / "run").read_text()
