"""`tfjourney tune`: the blueprint tables as Optuna search spaces (see study.py)."""

from tfjourney.tune.space import SearchSpace, search_space
from tfjourney.tune.study import TuneResult, parse_duration, tune

__all__ = ["SearchSpace", "TuneResult", "parse_duration", "search_space", "tune"]
