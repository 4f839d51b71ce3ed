"""make_fixtures.py — generate scipy/numpy/pandas/seaborn reference fixtures for heatmill tests.

Usage (from the repo root):
    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_fixtures.py

Writes tests/fixtures/<folder>/*.npy (NPY format version 1.0, little-endian, C order; floats
'<f8', integers '<i8'), one folder per function the files pin down, and tests/fixtures/index.json
describing every case (file names are paths relative to tests/fixtures/, e.g.
"linkage/Z_seed_30x12_ward_euclidean.npy"). The folders below are wiped of old *.npy files first
so they always match the index; the other folders of tests/fixtures/ (formats/, parquet/, ticks/,
ward_large/) belong to other scripts and are left alone.

File naming:
    inputs/X_<input>.npy                             input matrix, rows = observations ('<f8', may hold NaN for nan_*)
    pdist/D_<input>_<metric>.npy                     scipy.spatial.distance.pdist(X, metric) (condensed)
    linkage/Z_<input>_<method>_<metric>.npy          scipy.cluster.hierarchy.linkage(X, method, metric), (n-1)x4
    leaves_list/L_<input>_<method>_<metric>.npy      leaves_list(Z) ('<i8')
    fcluster/F_<input>_<method>_maxclust<k>.npy      fcluster(Z, k, 'maxclust') ('<i8'), Z = euclidean linkage
    fcluster/F_<input>_<method>_distance.npy         fcluster(Z, t, 'distance'), t = median(Z[:,2]) (t in index)
    optimal_leaf_ordering/OLO_<input>_<method>.npy   leaves_list(optimal_leaf_ordering(Z, pdist(X))) ('<i8')
    optimal_leaf_ordering/ZOLO_<input>_<method>.npy  optimal_leaf_ordering(Z, pdist(X))
    corrcoef/R_<input>_pearson.npy                   np.corrcoef(X)   (rows are variables)
    corrcoef/R_<input>_spearman.npy                  pd.DataFrame(X.T).corr(method='spearman')
    corrcoef/R_<input>_pairwise.npy                  pd.DataFrame(X.T).corr()   (NaN-containing inputs, min_periods=1)
    corrcoef/R_<input>_pairwise_spearman.npy         pd.DataFrame(X.T).corr(method='spearman')
    seaborn_scale/P_<input>_<op>_<rows|cols>.npy     seaborn ClusterGrid.z_score / standard_scale
"""
import ast
import json
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import scipy
import seaborn as sns
from scipy.cluster.hierarchy import fcluster, leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import pdist

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "tests" / "fixtures"
# The folders this script writes (and wipes), one per function pinned down.
FOLDERS = ["inputs", "pdist", "linkage", "leaves_list", "fcluster", "optimal_leaf_ordering",
           "corrcoef", "seaborn_scale"]
sys.path.insert(0, str(HERE))
from make_data_samples import seed_frame  # noqa: E402  (same values as data-samples/)

METRICS = ["euclidean", "sqeuclidean", "correlation", "cosine", "cityblock", "chebyshev"]
EUCLID_FAMILY = ["euclidean", "sqeuclidean", "cityblock", "chebyshev"]
METHODS = ["single", "complete", "average", "weighted", "ward", "centroid", "median"]
FCLUSTER_METHODS = METHODS  # every method: maxclust k = 2, 3, 5, n-1, n, n+1 and distance
FCLUSTER_K = [2, 3, 5]
OLO_INPUTS = ["seed_30x12", "gauss_60x8", "gauss_200x10", "clustered_100x20", "ties_int_40x4"]
OLO_METHODS = ["average", "ward"]
PREP_INPUTS = ["seed_30x12", "gauss_60x8"]
# Inputs restricted to a subset of metrics (constant rows -> correlation/cosine undefined).
METRIC_RESTRICT = {"const_rows_20x6": EUCLID_FAMILY}
# Size budget (~3 MB): a 200-row condensed matrix is 159 KB, so only these D_ files are written
# for gauss_200x10 (its linkages still use every metric; smaller inputs cover all metrics).
D_FILE_RESTRICT = {"gauss_200x10": ["euclidean", "correlation"]}


# --------------------------------------------------------------------------- inputs
def make_inputs():
    X = {}
    X["seed_30x12"] = seed_frame().to_numpy(dtype=np.float64)
    X["gauss_20x5"] = np.random.default_rng(1001).standard_normal((20, 5))
    X["gauss_60x8"] = np.random.default_rng(1002).standard_normal((60, 8))
    X["gauss_200x10"] = np.random.default_rng(1003).standard_normal((200, 10))
    X["ties_int_40x4"] = np.random.default_rng(1004).integers(0, 4, size=(40, 4)).astype(np.float64)

    # 24 distinct normal rows + 6 exact duplicates (row 3 appears three times in total).
    rng = np.random.default_rng(1005)
    base = rng.standard_normal((24, 6))
    rows = [base[i] for i in range(24)]
    dup_src = [3, 3, 7, 0, 15, 23]
    dup_pos = [0, 5, 12, 18, 26, 29]  # final positions of the inserted copies
    for src, pos in zip(dup_src, dup_pos):
        rows.insert(pos, base[src].copy())
    X["dups_30x6"] = np.array(rows)
    assert X["dups_30x6"].shape == (30, 6)

    X["binary_50x8"] = np.random.default_rng(1006).integers(0, 2, size=(50, 8)).astype(np.float64)
    X["onecol_15x1"] = np.random.default_rng(1007).standard_normal((15, 1))
    X["tiny_2x3"] = np.random.default_rng(1008).standard_normal((2, 3))
    X["tiny_3x2"] = np.random.default_rng(1009).standard_normal((3, 2))

    rng = np.random.default_rng(1010)
    centers = rng.standard_normal((4, 20)) * 10.0
    labels = np.repeat(np.arange(4), 25)
    rng.shuffle(labels)
    X["clustered_100x20"] = centers[labels] + rng.standard_normal((100, 20))

    rng = np.random.default_rng(1011)
    c = rng.standard_normal((20, 6))
    c[2, :] = 1.0
    c[9, :] = -0.5
    c[17, :] = 0.0
    X["const_rows_20x6"] = c

    return {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in X.items()}


def make_nan_inputs():
    X = {}
    rng = np.random.default_rng(2001)
    a = rng.standard_normal((30, 10))
    a[rng.random(a.shape) < 0.15] = np.nan
    a[11, :] = np.nan  # row entirely NaN except one value
    a[11, 4] = 0.75
    X["nan_30x10"] = a
    rng = np.random.default_rng(2002)
    b = rng.standard_normal((12, 40))
    b[rng.random(b.shape) < 0.15] = np.nan
    X["nan_12x40"] = b
    return {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in X.items()}


# --------------------------------------------------------------------------- writing
def save(name, arr, kind):
    """Write arr as NPY v1.0, little-endian, C order, to OUT / name (name is "<folder>/<file>.npy",
    the path index.json records). kind 'f' -> '<f8', 'i' -> '<i8'."""
    assert name.split("/")[0] in FOLDERS, name
    arr = np.asarray(arr)
    if kind == "f":
        arr = np.ascontiguousarray(arr, dtype="<f8")
    else:
        assert np.all(arr == np.round(arr)), name
        arr = np.ascontiguousarray(arr, dtype="<i8")
    path = OUT / name
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)
    return name


def finite(a):
    return bool(np.all(np.isfinite(a)))


def metrics_for(name):
    return METRIC_RESTRICT.get(name, METRICS)


def main():
    for folder in FOLDERS:
        (OUT / folder).mkdir(parents=True, exist_ok=True)
    # Old files: in the folders, and flat in OUT from before the folders existed.
    for old in [*OUT.glob("*.npy"), *(p for f in FOLDERS for p in (OUT / f).glob("*.npy"))]:
        old.unlink()

    inputs = make_inputs()
    nan_inputs = make_nan_inputs()
    index = {
        "versions": {
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pandas": pd.__version__,
            "pyarrow": pyarrow.__version__,
            "seaborn": sns.__version__,
            "python": sys.version.split()[0],
        },
        "inputs": {},
        "distances": [],
        "linkage": [],
        "fcluster": [],
        "olo": [],
        "corr": [],
        "pairwise": [],
        "prep": [],
        "skipped": [],
    }

    def skip(kind, reason, **kw):
        index["skipped"].append({"kind": kind, **kw, "reason": reason})

    for name, X in {**inputs, **nan_inputs}.items():
        index["inputs"][name] = {"file": save(f"inputs/X_{name}.npy", X, "f"), "shape": list(X.shape)}

    # ---- distances ---------------------------------------------------------
    for name, X in inputs.items():
        for metric in METRICS:
            if metric not in metrics_for(name):
                skip("distance", "constant rows: metric excluded for this input", input=name, metric=metric)
                continue
            if name in D_FILE_RESTRICT and metric not in D_FILE_RESTRICT[name]:
                skip("distance", "size budget: D file not written (linkage still covered)",
                     input=name, metric=metric)
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                D = pdist(X, metric)
            if not finite(D):
                skip("distance", "pdist result contains NaN/inf", input=name, metric=metric)
                continue
            index["distances"].append(
                {"input": name, "metric": metric, "file": save(f"pdist/D_{name}_{metric}.npy", D, "f")}
            )

    # ---- linkage -----------------------------------------------------------
    # Every method x metric is attempted so scipy's own rejections are recorded.
    Zs = {}
    for name, X in inputs.items():
        for method in METHODS:
            for metric in METRICS:
                if metric not in metrics_for(name):
                    continue  # already recorded under distances
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        Z = linkage(X, method=method, metric=metric)
                except ValueError as e:
                    skip("linkage", f"scipy ValueError: {e}", input=name, method=method, metric=metric)
                    continue
                if not finite(Z):
                    skip("linkage", "Z contains NaN/inf", input=name, method=method, metric=metric)
                    continue
                Zs[(name, method, metric)] = Z
                index["linkage"].append({
                    "input": name, "method": method, "metric": metric,
                    "z": save(f"linkage/Z_{name}_{method}_{metric}.npy", Z, "f"),
                    "leaves": save(f"leaves_list/L_{name}_{method}_{metric}.npy", leaves_list(Z), "i"),
                })

    # ---- fcluster ----------------------------------------------------------
    for name, X in inputs.items():
        if X.shape[0] < 4:
            continue
        for method in FCLUSTER_METHODS:
            Z = Zs[(name, method, "euclidean")]
            n = X.shape[0]
            # scipy >= 1.15's maxclust: the lowest threshold can be chosen
            # (k = 2 and n - 1 pin that edge) and k >= n gives n singletons.
            for k in sorted(set(FCLUSTER_K) | {2, n - 1, n, n + 1}):
                F = fcluster(Z, k, criterion="maxclust")
                index["fcluster"].append({
                    "input": name, "method": method, "metric": "euclidean",
                    "criterion": "maxclust", "t": k,
                    "file": save(f"fcluster/F_{name}_{method}_maxclust{k}.npy", F, "i"),
                })
            t = float(np.median(Z[:, 2]))
            F = fcluster(Z, t, criterion="distance")
            index["fcluster"].append({
                "input": name, "method": method, "metric": "euclidean",
                "criterion": "distance", "t": t,
                "file": save(f"fcluster/F_{name}_{method}_distance.npy", F, "i"),
            })

    # ---- optimal leaf ordering --------------------------------------------
    for name in OLO_INPUTS:
        X = inputs[name]
        D = pdist(X)
        for method in OLO_METHODS:
            Z = Zs[(name, method, "euclidean")]
            Zo = optimal_leaf_ordering(Z, D)
            index["olo"].append({
                "input": name, "method": method, "metric": "euclidean",
                "z": f"linkage/Z_{name}_{method}_euclidean.npy",
                "zolo": save(f"optimal_leaf_ordering/ZOLO_{name}_{method}.npy", Zo, "f"),
                "leaves": save(f"optimal_leaf_ordering/OLO_{name}_{method}.npy", leaves_list(Zo), "i"),
            })

    # ---- correlation (rows are variables) ---------------------------------
    for name, X in inputs.items():
        if X.shape[1] < 2:
            skip("corr", "fewer than 2 columns", input=name)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            R = np.corrcoef(X)
            S = pd.DataFrame(X.T).corr(method="spearman").to_numpy()
        for method, M in (("pearson", R), ("spearman", S)):
            index["corr"].append({
                "input": name, "method": method,
                "file": save(f"corrcoef/R_{name}_{method}.npy", M, "f"),
                "has_nan": bool(np.isnan(M).any()),
            })

    # ---- pairwise-complete correlation (NaN inputs) ------------------------
    for name, X in nan_inputs.items():
        P = pd.DataFrame(X.T).corr().to_numpy()
        S = pd.DataFrame(X.T).corr(method="spearman").to_numpy()
        for method, M, fname in (("pearson", P, f"corrcoef/R_{name}_pairwise.npy"),
                                 ("spearman", S, f"corrcoef/R_{name}_pairwise_spearman.npy")):
            index["pairwise"].append({
                "input": name, "method": method, "min_periods": 1,
                "file": save(fname, M, "f"),
                "has_nan": bool(np.isnan(M).any()),
            })

    # ---- seaborn clustermap preprocessing ---------------------------------
    # seaborn: axis 0 = rows (operates on data.T), axis 1 = columns. pandas std ddof=1.
    CG = sns.matrix.ClusterGrid
    for name in PREP_INPUTS:
        df = pd.DataFrame(inputs[name])
        for op, fn in (("zscore", CG.z_score), ("stdscale", CG.standard_scale)):
            for saxis, label in ((0, "rows"), (1, "cols")):
                M = fn(df, saxis).to_numpy()
                index["prep"].append({
                    "input": name, "op": op, "axis": label, "seaborn_axis": saxis,
                    "file": save(f"seaborn_scale/P_{name}_{op}_{label}.npy", M, "f"),
                })

    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    self_test(index)


# --------------------------------------------------------------------------- self-test
def read_npy_pure(path):
    """Minimal pure-Python NPY v1.0 reader: returns (descr, fortran, shape, list of values)."""
    raw = Path(path).read_bytes()
    assert raw[:6] == b"\x93NUMPY", path
    assert raw[6:8] == b"\x01\x00", f"{path}: not NPY version 1.0"
    (hlen,) = struct.unpack("<H", raw[8:10])
    assert (10 + hlen) % 64 == 0, f"{path}: header not 64-byte aligned"
    header = ast.literal_eval(raw[10:10 + hlen].decode("latin1"))
    descr, fortran, shape = header["descr"], header["fortran_order"], tuple(header["shape"])
    count = 1
    for d in shape:
        count *= d
    body = raw[10 + hlen:]
    assert len(body) == 8 * count, f"{path}: payload size"
    fmt = {"<f8": "d", "<i8": "q"}[descr]
    return descr, fortran, shape, list(struct.unpack(f"<{count}{fmt}", body))


def self_test(index):
    files = sorted(p.relative_to(OUT).as_posix() for f in FOLDERS for p in (OUT / f).glob("*.npy"))
    referenced = set(v["file"] for v in index["inputs"].values())
    for key in ("distances", "fcluster", "corr", "pairwise", "prep"):
        referenced |= {e["file"] for e in index[key]}
    for e in index["linkage"]:
        referenced |= {e["z"], e["leaves"]}
    for e in index["olo"]:
        referenced |= {e["z"], e["zolo"], e["leaves"]}
    assert referenced == set(files), (referenced ^ set(files))

    for fname in files:
        descr, fortran, shape, vals = read_npy_pure(OUT / fname)
        assert not fortran, fname
        arr = np.load(OUT / fname, allow_pickle=False)
        assert arr.shape == shape and arr.dtype.str == descr, fname
        want = "<i8" if Path(fname).name.split("_")[0] in ("L", "F", "OLO") else "<f8"
        assert descr == want, (fname, descr)
        flat = arr.ravel().tolist()
        assert all((a == b) or (a != a and b != b) for a, b in zip(flat, vals)), fname

    # spot checks against fresh computations
    X = np.load(OUT / "inputs/X_seed_30x12.npy")
    assert np.array_equal(X, seed_frame().to_numpy())
    assert np.array_equal(np.load(OUT / "pdist/D_seed_30x12_euclidean.npy"), pdist(X))
    Z = np.load(OUT / "linkage/Z_seed_30x12_ward_euclidean.npy")
    assert Z.shape == (29, 4) and np.array_equal(Z, linkage(X, "ward"))
    assert np.array_equal(np.load(OUT / "leaves_list/L_seed_30x12_ward_euclidean.npy"), leaves_list(Z))
    print(f"self-test OK: {len(files)} npy files verified (pure-Python reader + np.load)")


if __name__ == "__main__":
    main()
