"""rung for scikit-learn: :class:`RungSearchCV`, a ``*SearchCV`` estimator tuned by rung.

Needs scikit-learn (``pip install 'rung[sklearn]'``).
"""

try:
    import sklearn  # noqa: F401
except ImportError as err:  # pragma: no cover - the extra is missing
    raise ImportError("rung.sklearn needs scikit-learn: pip install 'rung[sklearn]'") from err

from rung.sklearn._search import RungSearchCV

__all__ = ["RungSearchCV"]
