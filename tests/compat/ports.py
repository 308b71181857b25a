"""Our own equivalents of public example objectives, written as their users write them.

Each objective below is what the original example's objective does, in our words: only
the imports would differ from a port of the original. They live in a module so that
worker processes can import them.
"""

from __future__ import annotations

import math
from typing import Any

try:  # the examples raise Optuna's exception; rung's own stands in without Optuna
    from optuna import TrialPruned
except ImportError:  # pragma: no cover - depends on the environment
    from rung.compat.optuna import TrialPruned


# -- Optuna's sklearn_simple: a conditional choice of classifier -------------------------


def classifier_choice(trial: Any) -> float:
    from sklearn import datasets, ensemble, model_selection, svm

    x, y = datasets.load_iris(return_X_y=True)
    name = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
    if name == "SVC":
        c = trial.suggest_float("svc_c", 1e-10, 1e10, log=True)
        model = svm.SVC(C=c, gamma="auto")
    else:
        depth = trial.suggest_int("rf_max_depth", 2, 32, log=True)
        model = ensemble.RandomForestClassifier(max_depth=depth, n_estimators=10)
    return model_selection.cross_val_score(model, x, y, n_jobs=1, cv=3).mean()


# -- Optuna's pruning example: partial_fit in a loop, report and should_prune ------------


def sgd_with_pruning(trial: Any) -> float:
    from sklearn import datasets, linear_model, model_selection

    x, y = datasets.load_iris(return_X_y=True)
    classes = sorted(set(y))
    x_train, x_valid, y_train, y_valid = model_selection.train_test_split(
        x, y, test_size=0.25, random_state=0
    )
    alpha = trial.suggest_float("alpha", 1e-5, 1e-1, log=True)
    model = linear_model.SGDClassifier(alpha=alpha, random_state=0)
    for step in range(30):
        model.partial_fit(x_train, y_train, classes=classes)
        error = 1.0 - model.score(x_valid, y_valid)
        trial.report(error, step)
        if trial.should_prune():
            raise TrialPruned()
    return 1.0 - model.score(x_valid, y_valid)


# -- Optuna's pytorch_simple: layers asked for in a loop, a torch MLP ---------------------

EPOCHS = 4
SAMPLES = 1200


def torch_mlp(trial: Any) -> float:
    import torch
    from torch import nn

    from rung.workloads.fashion_mnist import load_arrays

    x_train, y_train, _, _ = load_arrays()  # set up once per call: kept on promotion
    x = torch.tensor(x_train[: 2 * SAMPLES].reshape(2 * SAMPLES, -1), dtype=torch.float32) / 255
    y = torch.tensor(y_train[: 2 * SAMPLES])
    x_fit, y_fit, x_valid, y_valid = x[:SAMPLES], y[:SAMPLES], x[SAMPLES:], y[SAMPLES:]

    n_layers = trial.suggest_int("n_layers", 1, 3)
    layers: list[nn.Module] = []
    width = 28 * 28
    for i in range(n_layers):
        out = trial.suggest_int(f"n_units_l{i}", 4, 128, log=True)
        layers += [nn.Linear(width, out), nn.ReLU()]
        layers.append(nn.Dropout(trial.suggest_float(f"dropout_l{i}", 0.2, 0.5)))
        width = out
    layers.append(nn.Linear(width, 10))
    model = nn.Sequential(*layers)
    optimizer_name = trial.suggest_categorical("optimizer", ["Adam", "RMSprop", "SGD"])
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), lr=lr)

    accuracy = 0.0
    for epoch in range(EPOCHS):
        model.train()
        for i in range(0, SAMPLES, 128):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x_fit[i : i + 128]), y_fit[i : i + 128])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = float((model(x_valid).argmax(1) == y_valid).float().mean())
        trial.report(accuracy, epoch)
        if trial.should_prune():
            raise TrialPruned()
    return accuracy


# -- Ray Tune's ASHA example: a function that reports every step from the first ----------


def easy_objective(step: int, width: float, height: float) -> float:
    return (0.1 + width * step / 100) ** (-1) + height * 0.1


def ray_style(config: dict[str, Any], trial: Any) -> None:
    width, height = config["width"], config["height"]
    for step in range(100):
        trial.report(step + 1, easy_objective(step, width, height))


# -- Syne Tune's launch_height: epochs of a curve shaped by width, height, activation ----


def height_curve(config: dict[str, Any], trial: Any) -> None:
    width, height = config["width"], config["height"]
    scale = 1.0 if config["activation"] == "relu" else 1.5
    for epoch in range(1, 28):
        score = scale * (0.1 + width * epoch / 100) ** (-1) + height * 0.1
        trial.report(epoch, score)


HEIGHT_SPACE = {
    "width": ("uniform", 0, 20),
    "height": ("uniform", -100, 100),
    "activation": ("choice", ["relu", "tanh"]),
}


def finite(value: float) -> bool:
    return math.isfinite(value)
