"""A module imported on first use, so loading the rule set (which lists the check kinds) never pays for pandas.

`rules list`, `rules lint` and `--help` read only YAML; the kinds they list evaluate with pandas and numpy
later, when an audit runs. The stdlib's LazyLoader recipe defers executing the module until an attribute is
read; a module already imported is returned as it is.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
