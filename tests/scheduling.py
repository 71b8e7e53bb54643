"""How ``make test`` shares the tests between its two pytest-xdist workers.

The Ray tests (modules named ``test_ray_*``) share one local Ray cluster, so they run as one
unit of work, first: they mostly wait on Ray's processes, and the other worker runs the rest
meanwhile. Every other module is a unit of its own (its module fixtures are made once).
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

RAY_UNIT = "ray"


def is_ray_test(nodeid: str) -> bool:
    module = nodeid.split("::", 1)[0]
    return module.rsplit("/", 1)[-1].startswith("test_ray_")


class RayFirstScheduling(LoadScopeScheduling):
    """Units of one module each, the Ray modules together as one; in collection order, which
    puts the Ray unit first (see ``conftest.pytest_collection_modifyitems``)."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the order: the Ray unit first

    def _split_scope(self, nodeid: str) -> str:
        return RAY_UNIT if is_ray_test(nodeid) else nodeid.split("::", 1)[0]
