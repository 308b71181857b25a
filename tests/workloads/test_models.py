"""The seed's four models: shapes, losses against hand computations, initialization, spaces."""

import math

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import rung  # noqa: E402
from rung.errors import ConfigError  # noqa: E402
from rung.space import Space  # noqa: E402
from rung.workloads._svm import hinge_l2_sgd_step, l2_weight  # noqa: E402
from rung.workloads.models import MODELS, LeNet, RandomFourierClassifier, get_model  # noqa: E402

SMALL = {"svm": {"n_components": 64}}  # keeps the SVM's random features cheap


def images(n, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def labels(n, seed=0):
    return torch.randint(0, 10, (n,), generator=torch.Generator().manual_seed(seed))


def reference_lenet():
    """d2l's LeNet as the plain module stack the fused one must reproduce."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
        nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10),
    )  # fmt: skip


def hinge(scores, targets):
    """nn.MultiMarginLoss by its definition: sum_{j != y} max(0, 1 - s_y + s_j) / K, mean."""
    total = 0.0
    for s, y in zip(scores.tolist(), targets.tolist(), strict=True):
        total += sum(max(0.0, 1 - s[y] + s[j]) for j in range(len(s)) if j != y) / len(s)
    return total / len(scores)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_maps_images_to_ten_scores(name):
    model = get_model(name).build(SMALL.get(name, {}), seed=0)
    assert model(images(5)).shape == (5, 10)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_same_seed_same_model_other_seed_other_model(name):
    spec = get_model(name)
    x = images(3)
    a, b, c = (spec.build(SMALL.get(name, {}), seed=s) for s in (7, 7, 8))
    assert torch.equal(a(x), b(x))
    # sgd starts from zeros, as scikit-learn's SGDClassifier; svm's head too, and its
    # random basis is the same for every trial (SVM_BASIS_SEED)
    if name not in ("sgd", "svm"):
        assert not torch.equal(a(x), c(x))


def test_svm_features_are_its_projections_through_one_elementwise_pass():
    gamma = 0.02
    model = RandomFourierClassifier(n_components=300, gamma=gamma, seed=5)
    x = images(7, seed=2)
    w = model.basis * (2 * gamma) ** 0.5  # W ~ N(0, 2 gamma I), as Rahimi & Recht draw it
    direct = torch.cos(x.flatten(1) @ w.t() + model.phase) * (2 / 300) ** 0.5
    torch.testing.assert_close(model.features(x), direct, atol=1e-5, rtol=0)
    other = RandomFourierClassifier(n_components=300, gamma=0.5, seed=5)
    assert torch.equal(other.projections(x), model.projections(x))  # gamma-free


def test_unknown_model_is_a_config_error_naming_the_choices():
    with pytest.raises(ConfigError, match=r"'model'.*\['lenet', 'sgd', 'softmax', 'svm'\]"):
        get_model("resnet")


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("softmax", {"batch_size": 0}, r"'batch_size'.*int >= 1.*0"),
        ("softmax", {"batch_size": 32.0}, r"'batch_size'.*int"),
        ("softmax", {"learning_rate": -0.1}, r"'learning_rate'.*\(0, inf\)"),
        ("softmax", {"learning_rate": math.nan}, r"'learning_rate'.*finite"),
        ("sgd", {"l1_ratio": 1.5}, r"'l1_ratio'.*\[0, 1\]"),
        ("sgd", {"alpha": -1e-4}, r"'alpha'"),
        ("svm", {"C": 0}, r"'C'"),
        ("svm", {"gamma": True}, r"'gamma'"),
        ("svm", {"n_components": 0}, r"'n_components'"),
        ("lenet", {"alpha": 0.1}, r"'lenet'.*unknown \['alpha'\]"),
    ],
)
def test_bad_config_values_are_config_errors_naming_the_key(name, config, message):
    with pytest.raises(ConfigError, match=message):
        get_model(name).resolve(config)


def test_resolve_fills_in_the_defaults():
    resolved = get_model("svm").resolve({"C": 10})
    assert resolved == {
        "learning_rate": 0.1, "batch_size": 256, "C": 10.0, "gamma": 1e-3, "n_components": 2000,
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(MODELS))
def test_default_space_samples_are_valid_configs(name):
    import numpy as np

    spec = get_model(name)
    space = Space(spec.default_space)
    own = {"sgd": {"alpha", "l1_ratio"}, "svm": {"C", "gamma"}}.get(name, set())
    assert set(spec.default_space) == {"learning_rate", "batch_size"} | own
    rng = np.random.default_rng(0)
    for _ in range(20):
        spec.resolve(space.sample(rng))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_default_spaces_are_the_notebooks_but_lenets(name):
    from rung.workloads.spaces import NOTEBOOK_SPACES

    notebook = NOTEBOOK_SPACES[name]
    assert notebook["learning_rate"] == rung.loguniform(1e-4, 1.0)
    assert notebook["batch_size"] == rung.randint(32, 512)
    if name == "lenet":  # the notebook's space leaves LeNet at chance for epochs
        low = get_model(name).default_space["learning_rate"].low
        assert low >= 0.1 and notebook["learning_rate"].low < low
    else:
        assert dict(get_model(name).default_space) == notebook


@pytest.mark.parametrize("name", ["softmax", "lenet"])
def test_cross_entropy_models(name):
    spec = get_model(name)
    model = spec.build({}, seed=0)
    scores, y = torch.randn(6, 10), labels(6)
    expected = -torch.log_softmax(scores, 1)[torch.arange(6), y].mean()
    loss = spec.loss(model, scores, y, spec.resolve({}), 100)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_sgd_loss_is_hinge_plus_elastic_net_by_hand():
    spec = get_model("sgd")
    config = spec.resolve({"alpha": 0.01, "l1_ratio": 0.3})
    model = spec.build(config, seed=0)
    with torch.no_grad():
        model.linear.weight.copy_(torch.randn(10, 784, generator=torch.Generator().manual_seed(1)))
    w = model.linear.weight.detach().double()
    scores, y = torch.randn(8, 10), labels(8)
    penalty = 0.01 * (0.3 * w.abs().sum() + 0.7 / 2 * (w**2).sum()).item()
    loss = spec.loss(model, scores, y, config, 1000)
    assert loss.item() == pytest.approx(hinge(scores, y) + penalty, rel=1e-5)
    loss.backward()  # the penalty's gradient: alpha (l1_ratio sign(W) + (1 - l1_ratio) W)
    expected = 0.01 * (0.3 * torch.sign(w) + 0.7 * w)
    torch.testing.assert_close(model.linear.weight.grad.double(), expected, rtol=1e-5, atol=1e-7)


def test_svm_loss_is_hinge_plus_l2_over_2_c_n_k_by_hand():
    spec = get_model("svm")
    config = spec.resolve({"C": 0.5, "n_components": 64})
    model = spec.build(config, seed=0)
    with torch.no_grad():
        model.head.weight.copy_(torch.randn(10, 64, generator=torch.Generator().manual_seed(2)))
    w = model.head.weight.detach().double()
    scores, y = torch.randn(8, 10), labels(8)
    n_train = 300
    loss = spec.loss(model, scores, y, config, n_train)
    l2 = (w**2).sum().item() / (2 * 0.5 * n_train * 10)
    assert loss.item() == pytest.approx(hinge(scores, y) + l2, rel=1e-5)
    loss.backward()
    torch.testing.assert_close(
        model.head.weight.grad.double(), w / (0.5 * n_train * 10), rtol=1e-5, atol=1e-9
    )
    assert model.head.bias.grad is None  # the bias is not penalized, and scores were given


@pytest.mark.parametrize("batch", [1, 37])
def test_svm_closed_form_step_equals_autograd_loss_and_sgd_step(batch):
    spec = get_model("svm")
    config = spec.resolve({"C": 0.5, "n_components": 64, "learning_rate": 0.3})
    model = spec.build(config, seed=0)
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():  # margins of both signs: some classes active, some not
        model.head.weight.copy_(torch.randn(10, 64, generator=g))
        model.head.bias.copy_(torch.randn(10, generator=g))
    reference = spec.build(config, seed=0)
    reference.load_state_dict(model.state_dict())
    z, y, n_train = torch.randn(batch, 64, generator=g), labels(batch, seed=batch), 300
    loss = spec.loss(reference, reference.classify(z), y, config, n_train)
    loss.backward()
    torch.optim.SGD(reference.parameters(), lr=0.3).step()

    l2 = l2_weight(0.5, n_train, 10)
    closed = hinge_l2_sgd_step(model.head, z, y, l2, lr=0.3, with_loss=True)
    assert closed.item() == pytest.approx(loss.item(), rel=1e-6)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
    assert hinge_l2_sgd_step(model.head, z, y, l2, lr=0.3, with_loss=False) is None


def test_random_fourier_features_approximate_the_rbf_kernel():
    gamma = 0.01
    model = RandomFourierClassifier(n_components=20_000, gamma=gamma, seed=0)
    x = images(6, seed=3)
    x[3:] = x[:3] + 0.1 * torch.rand(3, 1, 28, 28)  # some close pairs: kernel values near 1
    z = model.features(x)
    kernel = torch.exp(-gamma * torch.cdist(x.flatten(1), x.flatten(1)) ** 2)
    torch.testing.assert_close(z @ z.T, kernel, atol=0.03, rtol=0)
    assert set(model.state_dict()) == {"head.weight", "head.bias"}  # basis redrawn, not saved


def test_fused_lenet_equals_the_module_stack_in_values_and_gradients():
    fused = get_model("lenet").build({}, seed=0)
    reference = reference_lenet()
    state = zip(reference.state_dict(), fused.state_dict().values(), strict=True)
    reference.load_state_dict(dict(state))
    x, y = images(33), labels(33)  # an odd batch size
    for model in (fused, reference):
        xi = x.clone().requires_grad_()  # also the input's gradient: every backward path
        F.cross_entropy(model(xi), y).backward()
        model.input_grad = xi.grad
    torch.testing.assert_close(fused(x), reference(x), rtol=1e-5, atol=1e-6)
    for p, q in zip(fused.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(fused.input_grad, reference.input_grad, rtol=1e-4, atol=1e-8)
    with torch.inference_mode():
        torch.testing.assert_close(fused(x), reference(x), rtol=1e-5, atol=1e-6)


def test_lenet_has_d2l_layers_and_xavier_uniform_weights():
    model = get_model("lenet").build({}, seed=0)
    assert isinstance(model, LeNet)
    assert [tuple(p.shape) for p in model.parameters()] == [
        (6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
        (10, 84), (10,),
    ]  # fmt: skip
    for layer in (model.conv1, model.conv2, model.fc1, model.fc2, model.fc3):
        w = layer.weight
        fan_in, fan_out = w[0].numel(), w.shape[0] * w[0, 0].numel()
        bound = math.sqrt(6 / (fan_in + fan_out))
        assert w.abs().max() <= bound and w.abs().max() > 0.8 * bound
