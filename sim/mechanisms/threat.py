"""M2 Threat — Walt's balance of threat, perceived (Steinel 2007).

T_ij = power_j^a · exposure_ij · offense_j · (κ + (1 − κ)·b_ij)

power_j is j's bloc capability (allies discounted by cohesion) relative to the observer's own bloc;
exposure_ij is the share of i's borders and approaches held by j's bloc, each border weighted by how close
it lies to i's core; offense_j is j's posture; b_ij is i's belief that j is not a security seeker (M4), and
κ > 0 keeps capabilities threatening whatever the intentions (the offensive-realist reading).
Sources: Walt 1987 (The Origins of Alliances: aggregate power, proximity, offensive power, intentions);
Steinel 2007, §2.2.2 (perceived threat); docs/theory.md §4 (M2).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip
from sim.params import defaults as _param_defaults

_DEFAULT_P = _param_defaults()


def bloc_power(capability, in_bloc, core: int, cohesion):
    """Capability of a bloc: its core state's plus allies' discounted by cohesion (over the last axis)."""
    allies = capability * in_bloc
    return capability[..., core] + cohesion * (allies.sum(axis=-1) - allies[..., core])


def relative_power(power_j, power_i, exponent):
    """(P_j / (P_i + P_j))^a: arming by the observer's bloc lowers the threat it perceives."""
    share = np.asarray(power_j) / np.maximum(np.asarray(power_i) + np.asarray(power_j), 1e-12)
    return share ** exponent


def exposure(border_km: np.ndarray, core_weight: np.ndarray | None, held_by, foothold, foothold_exposure):
    """Exposure of every state i to a bloc: share of i's weighted border length held by the bloc.

    border_km[i, k]: border length between i and k; core_weight[i, k] in (0, 1]: closeness of that border
    to i's core; held_by[k] in [0, 1]: how far k belongs to the bloc (its members 1; hosts of its forces
    ``foothold``). A state hosting the bloc's forces is also exposed on its own soil (foothold_exposure).
    An accession that adds bloc border raises exposure even where the bloc already touched i.
    ``held_by`` and ``foothold`` may carry leading (runs) axes; the border matrix is shared.
    """
    weighted = border_km if core_weight is None else border_km * core_weight  # None: already weighted
    total = weighted.sum(axis=1)
    held = np.einsum("...k,ik->...i", np.asarray(held_by, dtype=float), weighted)  # same rounding for any batch
    x = np.divide(held, total, out=np.zeros_like(held), where=total > 0)
    return clip(x + foothold_exposure * foothold, 0.0, 1.0)


def exposure_row(weighted_row, held_by):
    """:func:`exposure` for one observer without footholds (Russia's exposure to the West); both arguments
    may carry leading (runs) axes."""
    total = np.asarray(weighted_row).sum(axis=-1)
    held = (np.asarray(weighted_row) * held_by).sum(axis=-1)
    return np.where(total > 0, np.minimum(1.0, held / np.where(total > 0, total, 1.0)), 0.0)


def perceived_threat(rel_power, exposure_ij, offense_j, belief_ij, kappa: float):
    """T_ij = power^a · exposure · offense · (κ + (1 − κ) b_ij)."""
    return rel_power * exposure_ij * offense_j * (kappa + (1.0 - kappa) * belief_ij)


EARTH_RADIUS_KM = 6371.0  # mean radius (great-circle distances between capitals)


def capital_distances(positions: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) between the capitals at ``positions`` ([N, 2] lon, lat; haversine)."""
    lon, lat = np.radians(positions[:, 0]), np.radians(positions[:, 1])
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(clip(a, 0, 1)))


def core_weights(positions: np.ndarray, scale_km=_DEFAULT_P["core_distance_km"]) -> np.ndarray:
    """w_ik = 1 / (1 + d_ik / ``core_distance_km``): borders of neighbours whose capitals lie near i's weigh
    more (Walt 1987: proximity). ``scale_km`` may be an ``[R, 1, 1]`` array (one scale per run: ``[R, N, N]``)."""
    return 1.0 / (1.0 + capital_distances(positions) / scale_km)


def against_prevailing(threat_from_rival, common_threat):
    """Balance against the prevailing threat (Walt 1987): when both rivals face a third party (9/11), the
    rival's threat counts in proportion to its share of all the threat the observer faces,
    T' = T · T / (T + T_common); with no common threat T' = T."""
    t = np.asarray(threat_from_rival, dtype=float)
    total = t + np.asarray(common_threat, dtype=float)
    return np.where(total > 0, t * t / np.where(total > 0, total, 1.0), 0.0)
