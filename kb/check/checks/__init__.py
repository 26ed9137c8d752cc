"""The registered checks, one module per family; importing this package registers them.

To add a check: write a function of `Run` in the family's module (or a new module imported below), decorate it
with `@check(id, findings=(finding(...), ...))` declaring every finding id it raises, and report with `run.add`.
The order checks run in does not change a result: findings are sorted (severity, line, id) and de-duplicated.
"""

from kb.check.checks import (  # noqa: F401  (imported to register the checks)
    bundling,
    codes,
    dates,
    documentation,
    episode,
    limits,
    modifiers,
    telehealth,
    thresholds,
    units,
    visit,
)
