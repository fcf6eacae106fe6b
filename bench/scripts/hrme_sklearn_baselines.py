#!/usr/bin/env python3
"""scikit-learn baselines for `moe4j experiment hrme`, on exactly the rows Java trained and tested on.

Usage:
  ./moe4j experiment hrme --export-data DIR --json hrme.json
  python bench/scripts/hrme_sklearn_baselines.py DIR [--java-json hrme.json] [--json OUT]

DIR holds NAME-train.csv and NAME-test.csv (columns x0..x(d-1), y) for three_lines, diabetes and
friedman1. For each data set it fits, on the training rows:
  - LinearRegression (a cross-check of moe4j's least squares: the MAE/RMSE must agree to ~1e-6),
  - RandomForestRegressor (300 trees, scikit-learn's defaults otherwise, random_state 0),
  - SVR with an RBF kernel on standardised x and y, C and gamma chosen by 3-fold cross-validation
    on the training rows (at most 3,000 of them for the search, then refit on all),
and prints train/test MAE and RMSE beside the Java models of --java-json.
Needs numpy and scikit-learn (the project's Python venv); not used by the build or the tests.
"""
import argparse, csv, json, os, sys, time

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

DATA_SETS = ["three_lines", "diabetes", "friedman1"]
JAVA_MODELS = ["hrme_hard", "hrme_soft", "linear", "mixture_of_linear_experts", "mlp"]


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    a = np.array(rows[1:], dtype=np.float64)
    return a[:, :-1], a[:, -1]


def scores(model, xtr, ytr, xte, yte):
    ptr, pte = model.predict(xtr), model.predict(xte)
    return {"train_mae": float(np.mean(np.abs(ptr - ytr))), "train_rmse": float(np.sqrt(np.mean((ptr - ytr) ** 2))),
            "test_mae": float(np.mean(np.abs(pte - yte))), "test_rmse": float(np.sqrt(np.mean((pte - yte) ** 2)))}


def svr(xtr, ytr):
    base = TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), SVR(kernel="rbf", epsilon=0.1)),
                                      transformer=StandardScaler())
    grid = {"regressor__svr__C": [1, 10, 100], "regressor__svr__gamma": ["scale", 0.3, 0.03]}
    rng = np.random.default_rng(0)
    pick = rng.permutation(len(ytr))[:3000]
    search = GridSearchCV(base, grid, cv=3, scoring="neg_root_mean_squared_error", n_jobs=1)
    search.fit(xtr[pick], ytr[pick])
    best = search.best_estimator_
    best.fit(xtr, ytr)
    return best, search.best_params_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--java-json")
    ap.add_argument("--json")
    args = ap.parse_args()
    java = json.load(open(args.java_json)) if args.java_json else {}
    out = {}
    for name in DATA_SETS:
        tr, te = os.path.join(args.dir, name + "-train.csv"), os.path.join(args.dir, name + "-test.csv")
        if not os.path.exists(tr):
            continue
        xtr, ytr = read(tr)
        xte, yte = read(te)
        res, secs = {}, {}
        t = time.perf_counter()
        res["sklearn_linear"] = scores(LinearRegression().fit(xtr, ytr), xtr, ytr, xte, yte)
        secs["sklearn_linear"] = time.perf_counter() - t
        t = time.perf_counter()
        rf = RandomForestRegressor(n_estimators=300, random_state=0, n_jobs=1).fit(xtr, ytr)
        res["random_forest"] = scores(rf, xtr, ytr, xte, yte)
        secs["random_forest"] = time.perf_counter() - t
        t = time.perf_counter()
        model, params = svr(xtr, ytr)
        res["svr"] = scores(model, xtr, ytr, xte, yte)
        res["svr"]["params"] = {k.split("__")[-1]: v for k, v in params.items()}
        secs["svr"] = time.perf_counter() - t
        out[name] = res
        print(f"{name}: {len(ytr)} train / {len(yte)} test rows")
        print(f"  {'model':<28}{'train MAE':>11}{'train RMSE':>11}{'test MAE':>11}{'test RMSE':>11}  seconds")
        rows = [(m, java[name][m], None) for m in JAVA_MODELS if name in java] + [(m, res[m], secs[m]) for m in res]
        for m, s, sec in rows:
            tail = f"  {sec:.1f}" if sec is not None else ""
            print(f"  {m:<28}{s['train_mae']:>11.4f}{s['train_rmse']:>11.4f}{s['test_mae']:>11.4f}{s['test_rmse']:>11.4f}{tail}")
        print(f"  svr parameters: {res['svr']['params']}")
        if name in java:
            d = max(abs(java[name]["linear"][k] - res["sklearn_linear"][k]) for k in res["sklearn_linear"])
            print(f"  moe4j linear vs scikit-learn LinearRegression: largest difference {d:.2e}")
            if d > 1e-6 * (1 + abs(res["sklearn_linear"]["test_rmse"])):
                print("  MISMATCH: moe4j's least squares disagrees with scikit-learn", file=sys.stderr)
                sys.exit(1)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
