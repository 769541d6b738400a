"""The theory (layer 2): small pure functions and array operations, each citing its source.

M1 capacity · M2 threat · M3 broad security · M4 beliefs · M5 stance · M6 arming · M7 small states ·
M8 alliance decisions · M9 coercion · centrality (order) · M10 paradigms · observables · randomness.
No function here knows about Mesa, events' identities or dates.
"""
