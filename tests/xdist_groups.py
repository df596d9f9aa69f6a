"""How ``make test`` hands the suite's tests to its two processes (pytest-xdist, ``--dist loadfile``).

Each module goes whole to one process, so its module fixtures are made once, except the tests that play music
into the virtual microphone (those taking the ``virtual_microphone`` fixture): they go to one process, first and
one after another.  They share one sink, one test at a time (:func:`tests.live.pulse.sink_held_alone`): handed
out with their modules, two of them ran side by side, and one process sat idle on the sink's lock while the other
played music in real time.  Now the other process runs the rest meanwhile.  A test that reaches the fixture
through another fixture goes with its module, and waits for the sink as before.

Modules that name one ``xdist_group`` in their ``pytestmark`` (as pytest-xdist's ``--dist loadgroup`` reads it) go
together to one process, so that they share its session fixtures: the training modules that read one feature cache.
Such a group is the longest unit of its part (the two training runs, about 200 s of one core), so it is handed out
first, as the microphone's tests are.  In collection order (conftest.py puts the training modules first) it was
already the sixth of part 1's 134 units, where its first module stands, not near the end: the gain is small.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

MICROPHONE_GROUP = "virtual-microphone"
"""The work unit of every test that plays into the virtual microphone."""


@cache
def module_group(module: Path) -> str | None:
    """The group ``module``'s ``pytestmark = pytest.mark.xdist_group("name")`` names, if it has one."""
    text = module.read_text(encoding="utf-8")
    if "xdist_group" not in text:
        return None
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "pytestmark" for target in node.targets):
            for call in ast.walk(node.value):
                if isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "xdist_group":
                    (name,) = [*call.args, *(keyword.value for keyword in call.keywords)]
                    return ast.literal_eval(name)
    return None


@cache
def microphone_tests(module: Path) -> frozenset[str]:
    """The functions of ``module`` that take the ``virtual_microphone`` fixture (read by the controlling process,
    which collects no tests: it has their ids alone)."""
    text = module.read_text(encoding="utf-8")
    if "virtual_microphone" not in text:
        return frozenset()
    return frozenset(
        node.name
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(arg.arg == "virtual_microphone" for arg in (*node.args.args, *node.args.kwonlyargs))
    )


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before pytest-xdist's own, which hands out modules alone
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With ``--dist loadfile``: the tests that play into the virtual microphone as one work unit, handed out first,
    and the modules of one ``xdist_group`` as one."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # pytest-xdist's: there when it calls this hook
    from xdist.workermanage import WorkerController

    groups: set[str] = set()

    class MicrophoneTestsTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            function = nodeid.split("::")[-1].split("[", 1)[0]
            if function in microphone_tests(config.rootpath / module):
                return MICROPHONE_GROUP
            group = module_group(config.rootpath / module)
            if group is not None:
                groups.add(group)
            return group or module

        def _assign_work_unit(self, node: object) -> None:
            # The longest units first, not last beside an idle process: the groups' shared training runs, and
            # before them the microphone's tests played in real time.
            for unit in [unit for unit in self.workqueue if unit in groups]:
                self.workqueue.move_to_end(unit, last=False)
            if MICROPHONE_GROUP in self.workqueue:
                self.workqueue.move_to_end(MICROPHONE_GROUP, last=False)
            super()._assign_work_unit(node)

        def remove_node(self, node: WorkerController) -> str | None:
            """xdist's, but the test a crashed process was running is not handed out again: xdist's put it back with
            the rest of its work unit, and a test that crashes its process (PortAudio's, playing) crashed each process
            started after it, its failure reported once a process, until xdist stopped starting them."""
            pending = (test for unit in self.assigned_work[node].values() for test, done in unit.items() if not done)
            crashed = next(pending, None)  # as xdist finds it: the first of the process's tests not done
            if crashed is not None:
                self.assigned_work[node][self._split_scope(crashed)][crashed] = True
            super().remove_node(node)
            return crashed

    return MicrophoneTestsTogether(config, log)
