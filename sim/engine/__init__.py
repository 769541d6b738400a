"""The engine (layer 3): the one implementation of the model, over a batch of runs at once.

``state`` (one state object, arrays with a leading runs axis) · ``step`` (decide → evolve → perceive →
record, a plain function) · ``events`` (scripted and conditional events as masked updates) · ``record``
(preallocated records, columnar logs) · ``simulate`` (run a batch). No Mesa, no pandas: the Mesa model
(:mod:`sim.model`) is this engine with one run, and every experiment runs batches of it.
"""

from sim.engine.simulate import BatchResult, Engine, simulate
from sim.engine.state import Batch, State, make_batch

__all__ = ["Batch", "BatchResult", "Engine", "State", "make_batch", "simulate"]
