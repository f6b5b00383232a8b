#!/usr/bin/env python3
"""Fit LightGBM on the feature matrix that `prevoir features canteen` writes, with the settings of
Prévoir's own boosted trees, and print one JSON object on stdout.

Usage:
    python3 notebooks/bench_lightgbm.py FEATURES.parquet HOLDOUT_FROM PARAMS_JSON [RUNS]

RUNS (default 1) repeats the fit; the median time is reported, with every run's time.

`prevoir bench canteen` calls this script (see `src/cli/canteen_model.rs`, fn `bench`) and prints
the time ratio between its own fit (forust-ml) and this one. The comparison is fair only if both
fits see the same rows, the same target and the same settings, so this script mirrors the Rust side:

rows      `training_eligible` rows dated before HOLDOUT_FROM (the Rust `training_rows`); the holdout is
          the eligible rows dated HOLDOUT_FROM or later.
target    `target_ratio` (= actual / usual_level_meals), clipped to [0, 3] (`dataset::MAX_RATIO`).
weight    `usual_level_meals`, so that the fit minimises squared errors in meals.
features  every column after `training_eligible`, in file order; NaN = unknown (both libraries send
          missing values down a learned branch).
settings  PARAMS_JSON is the serialised `GbmParams` of the Rust fit:
              iterations       -> num_iterations
              learning_rate    -> learning_rate
              max_depth        -> max_depth, and num_leaves = 2 ** max_depth (a full tree of that
                                  depth, as forust's depth-wise growth allows)
              min_leaf_weight  -> min_sum_hessian_in_leaf (squared loss: hessian = weight, in both)
              l2               -> lambda_l2
              nbins            -> max_bin
              subsample        -> bagging_fraction (bagging_freq 1 when < 1)
              colsample_bytree -> feature_fraction
              seed             -> seed
              threads          -> num_threads (null = every core, as rayon does for forust)
          plus what forust does implicitly: no minimum row count per leaf (min_data_in_leaf 1), no
          minimum gain, start from the weighted mean (boost_from_average).

Only the fit is timed: building LightGBM's binned Dataset and boosting (forust bins inside `fit`
too). Reading the Parquet file and converting it to NumPy are not timed.

OpenMP's wait policy is left to the environment (`OMP_WAIT_POLICY`), and reported. Its default
(busy-waiting threads) is LightGBM at its fastest on an idle machine; on a shared, busy machine
busy-waiting slows LightGBM several-fold (measured here on the Nantes matrix with a compiler
running: 4.5–8.5 s busy-waiting vs 1.2–1.6 s with `OMP_WAIT_POLICY=PASSIVE`), which would flatter
the Rust side: set `OMP_WAIT_POLICY=PASSIVE` there, and prefer an idle machine for the headline.

Output (one line): {"engine": "LightGBM 4.x.y", "fit_seconds": ..., "holdout_rmse": ...,
"train_rows": ..., "holdout_rows": ..., "features": ..., "threads": ..., "omp_wait_policy": ...}
Any error goes to stderr with a non-zero exit status; `prevoir bench` then prints the last line of
stderr and skips the comparison.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date


import lightgbm  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

MAX_RATIO = 3.0
# Identification and label columns that precede the features in the Parquet file.
NON_FEATURE_COLUMNS = [
    "date",
    "canteen",
    "horizon_days",
    "actual",
    "agents_forecast",
    "usual_level_meals",
    "target_ratio",
    "training_eligible",
]


def feature_columns(frame: pl.DataFrame) -> list[str]:
    """The feature columns: everything after `training_eligible`, in file order."""
    names = frame.columns
    if names[: len(NON_FEATURE_COLUMNS)] != NON_FEATURE_COLUMNS:
        raise ValueError(
            f"expected the Parquet file to start with the columns {NON_FEATURE_COLUMNS}, found {names[:8]}"
        )
    features = names[len(NON_FEATURE_COLUMNS) :]
    if not features:
        raise ValueError("the Parquet file has no feature column")
    return features


def matrices(frame: pl.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features (NaN = unknown), clipped target and weights of `frame`'s rows."""
    x = frame.select(pl.col(features).cast(pl.Float64)).to_numpy()
    y = frame["target_ratio"].fill_null(0.0).clip(0.0, MAX_RATIO).to_numpy()
    w = frame["usual_level_meals"].to_numpy()
    return np.ascontiguousarray(x), y, w


def lightgbm_params(params: dict) -> dict:
    """LightGBM settings equivalent to the Rust `GbmParams` (see the module docstring)."""
    threads = params.get("threads") or os.cpu_count() or 1
    subsample = float(params.get("subsample", 1.0))
    return {
        "objective": "regression",
        "num_iterations": int(params["iterations"]),
        "learning_rate": float(params["learning_rate"]),
        "max_depth": int(params["max_depth"]),
        "num_leaves": 2 ** int(params["max_depth"]),
        "min_sum_hessian_in_leaf": float(params["min_leaf_weight"]),
        "min_data_in_leaf": 1,
        "min_gain_to_split": 0.0,
        "lambda_l2": float(params["l2"]),
        "max_bin": int(params["nbins"]),
        "bagging_fraction": subsample,
        "bagging_freq": 1 if subsample < 1.0 else 0,
        "feature_fraction": float(params.get("colsample_bytree", 1.0)),
        "seed": int(params.get("seed", 0)),
        "num_threads": int(threads),
        "boost_from_average": True,
        "deterministic": True,
        "verbosity": -1,
    }


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        print("error: expected 3 or 4 arguments: FEATURES.parquet HOLDOUT_FROM PARAMS_JSON [RUNS]", file=sys.stderr)
        return 2
    parquet, holdout_text, params_text = argv[1:4]
    try:
        runs = int(argv[4]) if len(argv) == 5 else 1
        if runs < 1:
            raise ValueError
    except ValueError:
        print(f"error: RUNS: expected a positive whole number, found {argv[4]!r}", file=sys.stderr)
        return 2
    try:
        holdout_from = date.fromisoformat(holdout_text)
    except ValueError:
        print(f"error: HOLDOUT_FROM: expected a date YYYY-MM-DD, found {holdout_text!r}", file=sys.stderr)
        return 2
    try:
        params = json.loads(params_text)
    except json.JSONDecodeError as e:
        print(f"error: PARAMS_JSON: {e}", file=sys.stderr)
        return 2

    frame = pl.read_parquet(parquet)
    features = feature_columns(frame)
    eligible = frame.filter(pl.col("training_eligible") & pl.col("target_ratio").is_not_null())
    train = eligible.filter(pl.col("date") < holdout_from)
    holdout = eligible.filter(pl.col("date") >= holdout_from)
    if train.height == 0 or holdout.height == 0:
        side = "before" if train.height == 0 else "on or after"
        print(f"error: no training-eligible row dated {side} {holdout_from} in {parquet}", file=sys.stderr)
        return 1
    x, y, w = matrices(train, features)
    hx, hy, _ = matrices(holdout, features)
    settings = lightgbm_params(params)

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        dataset = lightgbm.Dataset(x, label=y, weight=w, feature_name=features, free_raw_data=False,
                                   params={"max_bin": settings["max_bin"], "verbosity": -1})
        booster = lightgbm.train(settings, dataset)
        times.append(time.perf_counter() - started)
    fit_seconds = float(np.median(times))

    holdout_rmse = float(np.sqrt(np.mean((booster.predict(hx) - hy) ** 2)))
    print(json.dumps({
        "engine": f"LightGBM {lightgbm.__version__}",
        "fit_seconds": fit_seconds,
        "fit_seconds_each": times,
        "holdout_rmse": holdout_rmse,
        "train_rows": train.height,
        "holdout_rows": holdout.height,
        "features": len(features),
        "threads": settings["num_threads"],
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
