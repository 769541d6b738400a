"""The project's user errors: one hierarchy, one line each.

Every error a user can cause and fix — a bad scenario or sweep file, an unknown world or parameter, a
wrong path, an executor that cannot start — is a :class:`SpiralError`. The command line catches
``SpiralError`` in one place (``sim.faces.cli.main``) and prints ``error: <message>`` with exit code 2;
anything else is a bug and keeps its traceback.

The subclasses live beside the code that raises them (``ScenarioError`` in ``sim.scenario``,
``SpecError``/``SweepError`` in ``sim.runs.sweep``, ``ExecutorError`` in ``sim.runs.executors``); some
of them are also ``ValueError`` so that older ``except ValueError`` code keeps working.
"""

from __future__ import annotations


class SpiralError(Exception):
    """A user error: the message is one line, says what is wrong and, where it can, how to fix it."""


__all__ = ["SpiralError"]
