"""The gradient phase: the step-size rule as an optax transform, the carried optimiser
state and a step traced once per fit."""

import numpy as np
import pytest

from vibmpo.potential.model import x64
from vibmpo.potential.step import make_optimizer, phase_learning_rate, trace_count


def reference_rates(lr, phase_steps, losses, grow=1.1, shrink=0.5):
    """The rule in plain Python: the rate of every step."""
    rates = []
    for start in range(0, len(losses), phase_steps):
        phase = losses[start:start + phase_steps]
        rates += [lr] * len(phase)
        if len(phase) == phase_steps:
            lr = lr * grow if min(phase) < phase[0] else lr * shrink
    return rates


def test_phase_learning_rate_follows_the_rule():
    import jax.numpy as jnp

    losses = [3.0, 2.0, 2.5, 1.0, 1.5, 1.2, 0.9, 0.95, 1.0, np.nan, 0.5, 0.4]
    with x64():
        t = phase_learning_rate(0.1, 3)
        state = t.init(jnp.zeros(2))
        got = []
        for loss in losses:
            upd, state = t.update(jnp.ones(2), state, value=jnp.asarray(loss))
            got.append(-float(upd[0]))
    assert got == reference_rates(0.1, 3, losses)  # bitwise: the same float64 products
    with pytest.raises(ValueError, match="phase_steps must be >= 1"):
        phase_learning_rate(0.1, 0)


def test_optimizer_is_adam_scaled_by_the_phase_rate():
    import jax.numpy as jnp
    import optax

    with x64():
        g = jnp.asarray([0.3, -1.2])
        ours, ref = make_optimizer(0.05, 4), optax.adam(0.05)
        s1, s2 = ours.init(g), ref.init(g)
        for _ in range(4):  # one phase: the rate is constant
            u1, s1 = ours.update(g, s1, value=1.0)
            u2, s2 = ref.update(g, s2)
            np.testing.assert_array_equal(np.asarray(u1), np.asarray(u2))


def test_fit_carries_the_optimiser_state_and_traces_the_step_once(monkeypatch):
    import vibmpo.potential.train as train

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = x[:, 0] ** 2 + 0.3 * np.sin(x[:, 1])
    f = -np.stack([2 * x[:, 0], 0.3 * np.cos(x[:, 1])], 1)
    inits = []
    real = train.init_opt_state
    monkeypatch.setattr(train, "init_opt_state", lambda *a, **k: inits.append(1) or real(*a, **k))
    before = trace_count()
    res = train.fit(x, y, f, profile="test", basis_size=5, max_rank=3, n_sweeps=4,
                    grad_steps=3)
    assert len(res.history["iteration"]) == 4
    assert len(inits) == 1  # one optimiser state for the whole fit
    assert trace_count() - before == 1  # no recompilation across outer iterations
