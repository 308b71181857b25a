"""The SVM's projections are computed once per process and data set, for every gamma."""

import pytest

torch = pytest.importorskip("torch")

from rung.workloads import _projections  # noqa: E402
from rung.workloads.models import RandomFourierClassifier, get_model  # noqa: E402


@pytest.fixture(autouse=True)
def empty_cache():
    _projections.clear()
    yield
    _projections.clear()


def images(n: int) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(n))


def test_a_second_job_reuses_the_projections_whatever_its_gamma_and_seed():
    x = images(40)
    spec = get_model("svm")
    first = spec.build({"gamma": 0.01, "n_components": 64}, seed=1)
    second = spec.build({"gamma": 0.3, "n_components": 64}, seed=2)  # another trial
    p1 = _projections.projections(x, first, batch_size=16)
    p2 = _projections.projections(x, second, batch_size=16)
    assert p2 is p1 and _projections.stats() == {"hits": 1, "misses": 1}
    torch.testing.assert_close(p1, second.projections(x))  # batched = whole, to rounding


def test_other_data_or_another_basis_size_is_computed_anew():
    x, y = images(30), images(31)
    model = RandomFourierClassifier(64, 0.01, seed=0)
    _projections.projections(x, model, 8)
    _projections.projections(y, model, 8)
    _projections.projections(x[:10], model, 8)  # a view: same storage, another shape
    _projections.projections(x, RandomFourierClassifier(32, 0.01, seed=0), 8)
    _projections.projections(x, RandomFourierClassifier(64, 0.01, seed=1), 8)
    assert _projections.stats() == {"hits": 0, "misses": 5}


def test_the_cache_keeps_at_most_its_byte_limit(monkeypatch):
    model = RandomFourierClassifier(64, 0.01, seed=0)
    monkeypatch.setattr(_projections, "MAX_BYTES", 2 * 20 * 64 * 4)  # two 20-image entries
    a, b, c = images(20), images(21)[:20], images(22)[:20]
    for x in (a, b, c):
        _projections.projections(x, model, 8)
    _projections.projections(a, model, 8)  # the oldest was dropped
    assert _projections.stats()["misses"] == 4
    monkeypatch.setattr(_projections, "MAX_BYTES", 10)  # too small for any: never kept
    _projections.clear()
    _projections.projections(a, model, 8)
    _projections.projections(a, model, 8)
    assert _projections.stats() == {"hits": 0, "misses": 2}


def test_features_from_kept_projections_equal_the_models_own():
    x = images(12)
    model = get_model("svm").build({"gamma": 0.05, "n_components": 48}, seed=0)
    kept = _projections.projections(x, model, 5)
    torch.testing.assert_close(model.features_from(kept), model.features(x))
    again = model.features_from(kept)
    again.zero_()  # a job's features are its own: the kept projections are untouched
    assert torch.equal(_projections.projections(x, model, 5), kept)
