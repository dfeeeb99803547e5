"""FitConfig: typed options, profiles, schedules, and fit's keyword arguments."""

import numpy as np
import pytest

from vibmpo.potential.schedule import Piecewise, schedule_value
from vibmpo.potential.train import PROFILES, FitConfig, fit


def test_profiles_are_configs_and_unknown_options_raise():
    assert all(isinstance(p, FitConfig) for p in PROFILES.values())
    assert PROFILES["quick"] == FitConfig()
    acc = PROFILES["accurate"]
    assert [schedule_value(acc.ridge, i) for i in (0, 181, 182, 5000)] == [1e-6] * 2 + [1e-7] * 2
    assert acc.to_dict()["ridge"] == {"values": (1e-6, 1e-7), "starts": (0, 182)}
    with pytest.raises(TypeError, match="unknown fit option 'ridg'"):
        FitConfig().replace(ridg=1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        FitConfig(ridg=1.0)
    with pytest.raises(TypeError):
        FitConfig(13)  # keyword-only
    x = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(TypeError, match="unknown fit option 'n_sweep'"):
        fit(x, x[:, 0], profile="test", n_sweep=3)
    with pytest.raises(ValueError, match="not both"):
        fit(x, x[:, 0], profile="test", config=FitConfig())


@pytest.mark.parametrize("bad, match", [
    (dict(basis_size=1), "basis_size must be a whole number >= 2"),
    (dict(basis_size=4, activations=("silu",)), "need basis_size - 1 = 3 activations"),
    (dict(n_sweeps=0), "n_sweeps must be a whole number >= 1"),
    (dict(grad_steps=-1), "grad_steps must be a whole number >= 0"),
    (dict(learning_rate=0.0), "learning_rate must be > 0"),
    (dict(max_rank=(2, 0)), "max_rank must be >= 1"),
    (dict(retraction="svd"), "unknown retraction"),
    (dict(subsample=Piecewise((0.5, 2.0), starts=(0, 3))), "subsample must be a fraction"),
])
def test_config_rejects_bad_values(bad, match):
    with pytest.raises(ValueError, match=match):
        FitConfig(**bad)


def test_piecewise_schedule_checks_its_starts():
    s = Piecewise([1.0, 2.0, 3.0], starts=[0, 2, 5])
    assert [s(i) for i in range(7)] == [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0]
    for starts in ((1, 2), (0, 0), (0,)):
        with pytest.raises(ValueError, match="strictly increasing from 0"):
            Piecewise((1.0, 2.0), starts=starts)


def test_config_and_keyword_options_give_the_same_fit():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 2))
    y = x[:, 0] ** 2 + 0.5 * x[:, 0] * x[:, 1]
    kw = dict(basis_size=5, seed=2, grad_steps=0, max_rank=3, ridge=(1e-6, 1e-8))
    a = fit(x, y, profile="test", **kw)
    b = fit(x, y, config=PROFILES["test"].replace(**kw))
    c = fit(x, y, profile="test", **dict(kw, ridge=Piecewise((1e-6, 1e-8), starts=(0, 1))))
    assert a.history["train_rmse"] == b.history["train_rmse"] == c.history["train_rmse"]
    assert a.options["ridge"] == (1e-6, 1e-8) and a.options["profile"] == "test"
    assert b.options["profile"] is None and a.options["coordinator"] == "trained"
