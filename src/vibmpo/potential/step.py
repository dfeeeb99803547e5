r"""The gradient phase of the trainer: one jitted pure step on the coordinator ``U`` and
the basis parameters (the cores fixed), and its optimiser.

The loss in normalised units is

.. math::

    L = \frac1m \sum_m \Big(\frac{V_m - y_m}{s}\Big)^2
        + \beta\, n\, \frac{1}{mn} \sum_{m,k} \Big(\frac{\ell (F^{\rm pred}_{mk} - F_{mk})}{s}
        \Big)^2 ,

(``s`` energy scale, ``\ell`` coordinate scale, ``\beta`` the force weight). ``U`` moves
along its Riemannian gradient and is retracted onto the Stiefel manifold
(:mod:`vibmpo.potential.coordinator`). The trainer's optimiser (:func:`make_optimizer`)
is Adam followed by :func:`phase_learning_rate`, the step-size rule written as an optax
transform: the learning rate of a phase of ``phase_steps`` steps grows by ``grow`` after
a phase in which some step lowered the loss below the phase's first, and shrinks by
``shrink`` otherwise. Its state is carried through the whole fit, so the step is traced
once per fit (per shape of the cores; :func:`trace_count`).
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from vibmpo.potential.coordinator import RETRACTIONS, project_tangent, retract

__all__ = ["COORDINATORS", "PhaseLRState", "init_opt_state", "make_optimizer", "make_step",
           "phase_learning_rate", "to_jax", "trace_count"]

#: What the gradient steps do with the coordinator ``U``: ``"trained"`` (Riemannian Adam
#: on the Stiefel manifold) or ``"fixed"`` (``U`` stays the identity; required for
#: ensembles, whose members must share ``U`` to merge exactly).
COORDINATORS = ("trained", "fixed")

_TRACES = {"step": 0}


def trace_count() -> int:
    """How many times the training step has been traced (compiled) in this process.

    Examples
    --------
    >>> isinstance(trace_count(), int)
    True
    """
    return _TRACES["step"]


class PhaseLRState(NamedTuple):
    """State of :func:`phase_learning_rate`: the current rate, the position in the phase,
    the phase's first loss and its lowest loss so far.

    Examples
    --------
    >>> phase_learning_rate(0.1, 4).init(jnp.zeros(1)).count.tolist()
    0
    """

    learning_rate: jax.Array
    count: jax.Array
    first: jax.Array
    best: jax.Array


def phase_learning_rate(learning_rate: float, phase_steps: int, *, grow: float = 1.1,
                        shrink: float = 0.5) -> optax.GradientTransformationExtraArgs:
    r"""Scale updates by ``-eta`` with a step size ``eta`` adapted once per phase.

    The updates of the ``phase_steps`` steps of a phase are scaled by the same
    ``-eta``; each call receives the loss of the parameters it updates (``value=``).
    After the last step of a phase, :math:`\eta \leftarrow g \eta` if the lowest loss of
    the phase is below its first loss, else :math:`\eta \leftarrow s \eta`.

    Parameters
    ----------
    learning_rate : float
        Initial ``eta``.
    phase_steps : int
        Steps per phase.
    grow, shrink : float
        Factors ``g`` and ``s``.

    Returns
    -------
    optax.GradientTransformationExtraArgs
        ``update(updates, state, params, value=loss)``.

    Examples
    --------
    >>> t = phase_learning_rate(0.5, 2)
    >>> s = t.init(jnp.zeros(1))
    >>> u, s = t.update(jnp.ones(1), s, value=2.0)
    >>> u, s = t.update(jnp.ones(1), s, value=1.0)   # improved: the next phase grows
    >>> float(u[0]), round(float(s.learning_rate), 6)
    (-0.5, 0.55)
    """
    phase_steps = int(phase_steps)
    if phase_steps < 1:
        raise ValueError(f"phase_steps must be >= 1, got {phase_steps}")

    def init_fn(params):
        del params
        # strongly typed leaves, so the carried state never changes type (no retracing)
        dtype = jnp.result_type(float)  # float64 inside x64()
        inf = jnp.full((), np.inf, dtype=dtype)
        return PhaseLRState(jnp.asarray(learning_rate, dtype=dtype),
                            jnp.zeros((), dtype=jnp.int32), inf, inf)

    def update_fn(updates, state, params=None, *, value, **extra):
        del params, extra
        first = jnp.where(state.count == 0, value, state.first)
        best = jnp.where(state.count == 0, value, jnp.fmin(state.best, value))
        step_size = -state.learning_rate
        updates = jax.tree_util.tree_map(lambda g: step_size * g, updates)
        end = state.count + 1 == phase_steps
        factor = jnp.where(best < first, grow, shrink)
        rate = jnp.where(end, state.learning_rate * factor, state.learning_rate)
        count = jnp.where(end, 0, state.count + 1)
        return updates, PhaseLRState(rate, count, first, best)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def make_optimizer(learning_rate: float, phase_steps: int) -> optax.GradientTransformation:
    """The trainer's optimiser: Adam moments, then :func:`phase_learning_rate`.

    Examples
    --------
    >>> opt = make_optimizer(1e-3, phase_steps=41)
    >>> isinstance(opt.init({"w": jnp.zeros(2)}), tuple)
    True
    """
    return optax.chain(optax.scale_by_adam(), phase_learning_rate(learning_rate, phase_steps))


def _trainable_spec(model, coordinator="trained"):
    spec = jax.tree_util.tree_map(lambda _: False, model)
    return eqx.tree_at(lambda m: (m.U, m.centres, m.w, m.b), spec,
                       replace=(coordinator == "trained", True, True, True))


def _check_choice(value, choices, what):
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose from {choices}")


def make_step(optimizer, *, force_weight: float = 1.0, retraction: str = "qr",
              coordinator: str = "trained", u_mask=None):
    """Build the jitted pure training step ``step(model, opt_state, batch)``.

    The step updates ``U`` (Riemannian gradient through ``optimizer``, tangent
    projection, retraction; not with ``coordinator="fixed"``) and the basis parameters
    with the cores fixed, and returns ``(model, opt_state, loss)`` with the loss of the
    input ``model`` (also passed to ``optimizer`` as ``value``). ``u_mask`` (n, f),
    optional, restricts ``U`` to the entries it marks: the gradient and the retracted
    ``U`` are zero elsewhere (a symmetry-species-adapted coordinator,
    :meth:`vibmpo.potential.symmetry.SignFlips.coordinator_mask`; a ``U`` with that
    pattern keeps it under the tangent projection and the retraction).
    ``batch = (x, y, forces_or_None)`` in physical units; the loss is the normalised
    energy MSE plus ``force_weight`` times the normalised force MSE. Call it inside
    :func:`vibmpo.potential.model.x64`. Use :func:`init_opt_state` (with the same
    ``coordinator``) for the optimiser state.

    Examples
    --------
    >>> step = make_step(optax.adam(1e-3))
    >>> callable(step)
    True
    """
    _check_choice(retraction, RETRACTIONS, "retraction")
    _check_choice(coordinator, COORDINATORS, "coordinator")
    trained_u = coordinator == "trained"
    optimizer = optax.with_extra_args_support(optimizer)
    mask = None if u_mask is None else np.asarray(u_mask, dtype=np.float64)

    def masked(a):
        return a if mask is None else a * mask

    def loss_fn(diff, static, batch):
        model = eqx.combine(diff, static)
        x, y, frc = batch
        if frc is None:
            e = model._energy(x)
            return jnp.mean(((e - y) / model.y_scale) ** 2)
        e, fpred = model._energy_and_forces_analytic(x)
        le = jnp.mean(((e - y) / model.y_scale) ** 2)
        lf = jnp.mean(((fpred - frc) * (model.x_scale / model.y_scale)) ** 2)
        return le + force_weight * lf * x.shape[1]

    @eqx.filter_jit
    def step(model, opt_state, batch):
        _TRACES["step"] += 1  # runs only while tracing
        diff, static = eqx.partition(model, _trainable_spec(model, coordinator))
        loss, grads = jax.value_and_grad(loss_fn)(diff, static, batch)
        if trained_u:
            grads = eqx.tree_at(lambda m: m.U, grads,
                                project_tangent(diff.U, masked(grads.U), jnp))
        updates, opt_state = optimizer.update(grads, opt_state, diff, value=loss)
        new = optax.apply_updates(diff, updates)
        if trained_u:
            dU = project_tangent(diff.U, masked(updates.U), jnp)
            new = eqx.tree_at(lambda m: m.U, new,
                              masked(retract(diff.U, dU, retraction, jnp)))
        return eqx.combine(new, static), opt_state, loss

    return step


def init_opt_state(optimizer, model, coordinator: str = "trained"):
    """Optimiser state for the trainable part of ``model`` (see :func:`make_step`).

    Examples
    --------
    >>> import numpy as np
    >>> from vibmpo.potential.arrays import NNMPOArrays
    >>> from vibmpo.potential.model import NNMPO, x64
    >>> a = NNMPOArrays(U=np.eye(1), centres=np.zeros((1, 1)), w=np.ones((1, 1)),
    ...                 b=np.zeros((1, 1)), activations=("gaussian",),
    ...                 cores=(np.ones((1, 2, 1)),))
    >>> with x64():
    ...     state = init_opt_state(make_optimizer(1e-3, 5), to_jax(NNMPO.from_arrays(a)))
    >>> float(state[1].learning_rate)
    0.001
    """
    diff, _ = eqx.partition(model, _trainable_spec(model, coordinator))
    return optimizer.init(diff)


def to_jax(model):
    """``model`` with its NumPy array leaves as JAX arrays (call inside ``x64()``).

    Examples
    --------
    >>> import numpy as np
    >>> to_jax({"a": np.ones(2)})["a"].shape
    (2,)
    """
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a) if isinstance(a, np.ndarray) else a,
                                  model)
