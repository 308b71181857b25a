"""``RungSearchCV``: tune any scikit-learn estimator with rung's searchers and schedulers.

It is a scikit-learn ``BaseSearchCV``: ``fit`` evaluates candidates by cross-validation
through scikit-learn's own machinery, so ``cv_results_``, ``best_estimator_`` (refit on
all the data), ``best_params_``, ``best_score_``, ``best_index_``, ``n_splits_``,
``refit_time_``, ``multimetric_``, ``scorer_`` and ``predict`` / ``predict_proba`` /
``decision_function`` / ``transform`` / ``score`` are those of ``GridSearchCV``. What
differs is who chooses the candidates and their budget: rung's searcher proposes
configurations and its scheduler (ASHA by default) gives each a resource, the number of
training samples or an iteration parameter, as ``HalvingRandomSearchCV``'s
``resource=``; every job is one cross-validated evaluation, a row of ``cv_results_``
with its ``n_resources``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state

from rung.errors import ConfigError, TrialFailed
from rung.sklearn._folds import FixedFolds
from rung.sklearn._space import ParamSpace
from rung.sklearn._subsample import SubsampledCV

__all__ = ["RungSearchCV"]

_SEARCHERS = ("random", "bo")
_SCHEDULERS = ("fifo", "sh", "hyperband", "asha", "async_hyperband")


class _Abort(BaseException):
    """Carries a fit error out of rung's loop (``error_score="raise"``): rung records an
    objective's ``Exception`` as a failed job, a BaseException ends the run."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


class RungSearchCV(BaseSearchCV):
    """Search over parameter distributions with rung (random search or BO; ASHA, Hyperband...).

    Args:
        estimator: The estimator to tune (cloned for every fit).
        param_distributions: Parameter name -> a rung domain (``rung.loguniform(1e-4,
            1.0)``), a frozen ``scipy.stats`` uniform / loguniform / randint, a list or
            a 1-d array such as ``np.logspace(-3, 3, 7)`` (one of its values, equally
            likely) or a constant. A conditional domain (``when=``) that is inactive is
            not set: the estimator keeps its own value, and ``param_*`` is masked. Or a
            non-empty list of such dicts, as ``RandomizedSearchCV`` takes it: a candidate
            draws one dict (each equally likely with ``searcher="random"``), then its
            parameters from that dict (the others' are not set, their ``param_*``
            masked). rung searches the dict drawn
            as a choice, ``param_distributions`` (its position in the list), and each
            dict's parameters as domains conditional on it; a parameter whose
            distributions differ between dicts is ``name[i]`` in rung's record.
        resource: ``"n_samples"`` (default): the number of training samples a candidate
            is fit on, as for ``HalvingRandomSearchCV``; or the name of an iteration
            parameter of the estimator (``"max_iter"``, ``"n_estimators"``) set to the
            resource, on all the samples.
        min_resources: The smallest resource (rung's ``min_resource``): an int, or
            ``"smallest"``: ``2 * n_splits`` samples (times the number of classes for
            classifiers), 1 for an iteration parameter. Clipped to ``max_resources``.
        max_resources: The largest resource: an int (at most the number of samples for
            ``resource="n_samples"``), or ``"auto"``: the number of samples
            (``resource="n_samples"`` only).
        eta: The reduction factor between rungs (``HalvingRandomSearchCV``'s ``factor``).
            ``min_resources`` and ``eta`` do nothing with ``scheduler="fifo"``, which
            refuses them set to other values than their defaults.
        searcher: ``"random"`` or ``"bo"`` (a Gaussian process with Expected Improvement).
        scheduler: ``"asha"`` (default), ``"sh"``, ``"hyperband"``, ``"async_hyperband"``,
            or ``"fifo"`` (every candidate at ``max_resources``: plain random search or BO).
        max_trials: How many configurations to try.
        time_budget_s: Also stop starting evaluations after this many seconds.
        scoring, refit, cv, verbose, pre_dispatch, error_score, return_train_score: As for
            ``RandomizedSearchCV``. With several metrics, ``refit`` names the one tuned.
            The data is split into folds once per ``fit``: every candidate, at every
            resource, is scored on the same folds (also when ``cv`` shuffles without a
            ``random_state``).
        n_jobs: Jobs for the cross-validation fits of each candidate (joblib);
            candidates are evaluated one after another.
        random_state: Seeds the searcher, the scheduler and the order samples are taken
            in (an int for reproducible searches).

    Attributes:
        cv_results_: As ``RandomizedSearchCV``'s, one row per evaluation (a candidate at
            one resource), with ``n_resources`` and rung's ``trial_id``.
        best_index_: The best row among those at the largest resource reached (a
            candidate fit on less data never wins by luck), or ``refit(cv_results_)``.
        best_estimator_, best_params_, best_score_, n_splits_, refit_time_,
        multimetric_, scorer_: As ``RandomizedSearchCV``'s.
        min_resources_, max_resources_: The resources used.
        rung_result_: rung's :class:`~rung.Result` of the search (its jobs and trials);
            a list's values appear as they are, except in a list of estimators, dicts or
            repeated values, whose positions appear instead. With a list of dicts, each
            configuration also holds the position of its dict, and ``name[i]`` stands for
            a parameter whose distributions differ between dicts.

    A candidate that fails on every fold is not a row of ``cv_results_`` (scikit-learn
    raises for such a call of ``evaluate_candidates``; rung records the job failed and
    ``fit`` warns with a ``FitFailedWarning``); one that fails on some folds is, with
    ``error_score`` for them. ``error_score="raise"`` raises the first error at once.

    Example:
        >>> import rung
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import LogisticRegression
        >>> from rung.sklearn import RungSearchCV
        >>> X, y = load_digits(return_X_y=True)
        >>> search = RungSearchCV(LogisticRegression(max_iter=300),
        ...                       {"C": rung.loguniform(1e-3, 1e2)}, max_trials=9,
        ...                       cv=3, random_state=0).fit(X, y)  # doctest: +SKIP
        >>> search.best_params_, search.best_score_  # doctest: +SKIP
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        resource: str = "n_samples",
        min_resources: int | str = "smallest",
        max_resources: int | str = "auto",
        eta: float = 3,
        searcher: str = "random",
        scheduler: str = "asha",
        max_trials: int = 20,
        time_budget_s: float | None = None,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = 5,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.resource = resource
        self.min_resources = min_resources
        self.max_resources = max_resources
        self.eta = eta
        self.searcher = searcher
        self.scheduler = scheduler
        self.max_trials = max_trials
        self.time_budget_s = time_budget_s
        self.random_state = random_state

    # -- checks, as the estimator is fit (scikit-learn leaves __init__ alone) -------------

    def _check_settings(self, X: Any, y: Any, groups: Any) -> None:
        if self.searcher not in _SEARCHERS:
            raise ValueError(
                f"The 'searcher' parameter must be one of {_SEARCHERS}; got {self.searcher!r}."
            )
        if str(self.scheduler).replace("-", "_") not in _SCHEDULERS:
            raise ValueError(
                f"The 'scheduler' parameter must be one of {_SCHEDULERS}; got {self.scheduler!r}."
            )
        if not _is_int(self.max_trials) or self.max_trials < 1:
            raise ValueError(
                f"The 'max_trials' parameter must be an int >= 1; got {self.max_trials!r}."
            )
        if self.time_budget_s is not None and not (
            isinstance(self.time_budget_s, numbers.Real) and self.time_budget_s > 0
        ):
            raise ValueError(
                "The 'time_budget_s' parameter must be a number > 0 or None; "
                f"got {self.time_budget_s!r}."
            )
        if not isinstance(self.eta, numbers.Real) or isinstance(self.eta, bool) or self.eta < 2:
            raise ValueError(f"The 'eta' parameter must be a number >= 2; got {self.eta!r}.")
        if str(self.scheduler).replace("-", "_") == "fifo":
            unused = {
                name: value
                for name, value, default in (
                    ("eta", self.eta, 3),
                    ("min_resources", self.min_resources, "smallest"),
                )
                if value != default
            }
            if unused:
                raise ValueError(
                    "With scheduler='fifo' every candidate is fit at max_resources, so "
                    f"{' and '.join(repr(name) for name in unused)} would do nothing; got "
                    f"{', '.join(f'{k}={v!r}' for k, v in unused.items())}. Leave it at its "
                    "default, or choose a scheduler that uses it ('asha', 'sh', "
                    "'hyperband', 'async_hyperband')."
                )
        if not isinstance(self.resource, str):
            raise ValueError(f"The 'resource' parameter must be a string; got {self.resource!r}.")
        self._space = ParamSpace(self.param_distributions)
        if self.resource != "n_samples":
            if self.resource not in self.estimator.get_params():
                raise ValueError(
                    f"The 'resource' parameter must be 'n_samples' or a parameter of "
                    f"{type(self.estimator).__name__}; got {self.resource!r}."
                )
            if self.resource in self._space.names:
                raise ValueError(
                    f"The resource {self.resource!r} is also in 'param_distributions': "
                    "rung sets it, remove it from the distributions."
                )
        n_samples = _num_samples(X)
        if self.max_resources == "auto":
            if self.resource != "n_samples":
                raise ValueError(
                    "The 'max_resources' parameter must be an int when 'resource' is an "
                    f"estimator parameter ({self.resource!r}); 'auto' means all the samples."
                )
            self.max_resources_ = n_samples
        elif _is_int(self.max_resources) and self.max_resources >= 1:
            if self.resource == "n_samples" and self.max_resources > n_samples:
                # More samples than there are would be recorded as used, but not used.
                raise ValueError(
                    "The 'max_resources' parameter must be at most the number of samples "
                    f"({n_samples}) when 'resource' is 'n_samples'; got {self.max_resources!r}."
                )
            self.max_resources_ = int(self.max_resources)
        else:
            raise ValueError(
                "The 'max_resources' parameter must be 'auto' or an int >= 1; "
                f"got {self.max_resources!r}."
            )
        if self.min_resources == "smallest":
            if self.resource == "n_samples":
                # Some splitters count their folds by the groups (LeaveOneGroupOut).
                n_splits = self._checked_cv.get_n_splits(X, y, groups)
                smallest = 2 * n_splits
                labels = _labels(self.estimator, y)
                if labels is not None:
                    smallest *= len(np.unique(labels))
            else:
                smallest = 1
            self.min_resources_ = min(smallest, self.max_resources_)
        elif _is_int(self.min_resources) and 1 <= self.min_resources <= self.max_resources_:
            self.min_resources_ = int(self.min_resources)
        else:
            raise ValueError(
                f"The 'min_resources' parameter must be 'smallest' or an int in [1, "
                f"max_resources_={self.max_resources_}]; got {self.min_resources!r}."
            )

    def fit(self, X: Any, y: Any = None, **params: Any) -> RungSearchCV:
        """Runs the search, then refits the best candidate on all of ``X`` (if ``refit``).

        Args:
            X: Training data, shape (n_samples, n_features).
            y: Targets, shape (n_samples,) or (n_samples, n_outputs), or None.
            **params: Passed to the estimator's ``fit``, the scorer and the splitter.

        Returns:
            self.

        Raises:
            ValueError: a bad setting, or every candidate failed on every fold.
        """
        from sklearn.model_selection import check_cv

        # Every job is one call of evaluate_candidates, which splits the data anew: the
        # folds are fixed once, so that every candidate is scored on the same ones. The
        # base class reads self.cv itself, so it gets them too (a generator is read once).
        given = self.cv
        self._checked_cv = FixedFolds(check_cv(given, y, classifier=is_classifier(self.estimator)))
        self._fit_data = (X, y)
        try:
            self._check_settings(X, y, params.get("groups"))
            self.cv = self._checked_cv
            return super().fit(X, y, **params)
        finally:
            self.cv = given
            self._checked_cv.clear()  # the base class keeps a reference to it
            del self._fit_data, self._checked_cv

    # -- the search: rung's loop, each job one call of evaluate_candidates ---------------

    def _run_search(self, evaluate_candidates: Any, *args: Any, **kwargs: Any) -> None:
        from rung.run.factory import build_tuner

        X, y = self._fit_data
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        n_samples = _num_samples(X)
        labels = _labels(self.estimator, y)
        failures: list[BaseException] = []
        rows: list[int] = []

        def evaluate(config: dict[str, Any], trial: Any) -> float:
            # Every job fits from scratch at its resource; the value returned is its report.
            resource = trial.resource_to
            params = self._space.params(config)
            cv = None
            if self.resource == "n_samples":
                if resource < n_samples:
                    cv = SubsampledCV(self._checked_cv, resource / n_samples, labels, seed)
            else:
                params[self.resource] = resource
            more = {"n_resources": [resource], "trial_id": [trial.trial_id]}
            try:
                results = evaluate_candidates([params], cv, more)
            except Exception as error:
                if self.error_score == "raise":
                    raise _Abort(error) from None
                failures.append(error)
                raise
            rows.append(len(results["params"]))
            try:
                return _tuned_score(results, self.refit)
            except ConfigError as error:  # a setting, not this candidate: no job would do
                raise _Abort(error) from None

        # Every job fits from scratch, so nothing is gained by keeping a call paused in a
        # thread between rungs; and in the caller's thread, _Abort ends the run (in a
        # paused call's thread it ended that thread only, and fit waited forever).
        evaluate.keep_paused = False  # type: ignore[attr-defined]

        scheduler = str(self.scheduler).replace("-", "_")
        fifo = scheduler == "fifo"
        tuner = build_tuner(
            evaluate,
            self._space.space,
            searcher=self.searcher,
            scheduler=scheduler,
            min_resource=None if fifo else self.min_resources_,
            max_resource=self.max_resources_,
            eta=None if fifo else self.eta,
            direction="max",
            seed=seed % (2**31),
            executor="inline",
            max_retries=0,
        )
        try:
            result = tuner.run(max_trials=self.max_trials, time_budget_s=self.time_budget_s)
        except _Abort as abort:
            raise abort.error from None
        except TrialFailed as error:
            first = failures[0] if failures else error
            raise ValueError(
                f"Every candidate failed on every fold, so the search stopped: {first}"
            ) from first
        if not rows:
            first = failures[0] if failures else None
            raise ValueError(f"No candidate could be evaluated: {first}") from first
        # Trials and trajectory built now, so the fitted search pickles.
        self.rung_result_ = dataclasses.replace(
            result,
            build_trials=_Built(result.trials),
            build_trajectory=_Built(result.trajectory),
        )
        if failures:
            warnings.warn(
                f"{len(failures)} evaluations failed on every fold and are not in "
                f"cv_results_; the first: {failures[0]}",
                FitFailedWarning,
                stacklevel=2,
            )

    @staticmethod
    def _select_best_index(refit: Any, refit_metric: str, results: dict[str, Any]) -> int:
        """The best row at the largest resource reached (or ``refit(results)``)."""
        if callable(refit):
            return BaseSearchCV._select_best_index(refit, refit_metric, results)
        resources = np.asarray(results["n_resources"])
        top = np.flatnonzero(resources == resources.max())
        scores = np.asarray(results[f"mean_test_{refit_metric}"], dtype=float)[top]
        if np.isnan(scores).all():
            return int(top[0])
        return int(top[np.nanargmax(scores)])


class _Built:
    """Hands back what was built (a picklable stand-in for a Result's lazy builders)."""

    def __init__(self, value: tuple[Any, ...]) -> None:
        self.value = value

    def __call__(self) -> tuple[Any, ...]:
        return self.value


def _tuned_score(results: dict[str, Any], refit: Any) -> float:
    """The score rung maximizes: the mean test score of the newest row (the refit metric's,
    with several metrics)."""
    if "mean_test_score" in results:
        key = "mean_test_score"
    elif isinstance(refit, str) and f"mean_test_{refit}" in results:
        key = f"mean_test_{refit}"
    else:
        raise ConfigError(
            "With several metrics, 'refit' must name the one to tune (a scorer's key); "
            f"got refit={refit!r}."
        )
    value = float(results[key][-1])
    return value if not math.isinf(value) else math.nan


def _labels(estimator: Any, y: Any) -> np.ndarray | None:
    """A classifier's class labels, one per sample (None: not a classifier, or several
    outputs), by which subsamples are stratified."""
    if y is None or not is_classifier(estimator):
        return None
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    return labels if labels.ndim == 1 else None


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _num_samples(X: Any) -> int:
    from sklearn.utils.validation import _num_samples as count

    return int(count(X))
