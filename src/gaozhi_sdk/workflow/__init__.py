"""Workflow layer: the state machines, the role policy and the double-random draw.

Depends only on models, ids and errors (the layering contract in ``pyproject.toml``).

* :class:`StateMachine`, :class:`Transition` and the machines by name (:data:`MACHINES`):
  list entry, case, verification, credit record, complaint, draw and journal;
* :class:`RolePolicy` — who may perform a transition for which organ;
* :func:`compute_draw` — the recomputable 双随机 draw (R-042, R-043, :data:`ALGORITHM`).
"""

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.workflow.draw import ALGORITHM, compute_draw
from gaozhi_sdk.workflow.machines import MACHINES, StateMachine, Transition
from gaozhi_sdk.workflow.roles import RolePolicy

__all__ = ["ALGORITHM", "MACHINES", "RolePolicy", "StateMachine", "Transition", "compute_draw"]

_rehome(__name__, __all__, globals())
