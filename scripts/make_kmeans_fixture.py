"""make_kmeans_fixture.py — scikit-learn's Lloyd k-means from a given initialisation.

Usage (from the repo root):
    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_kmeans_fixture.py

heatmill's `kmeans_rows` runs Lloyd's algorithm (src/cluster/kmeans.rs) as
scikit-learn's KMeans(algorithm="lloyd", n_init=1) does. k-means++ draws from a
random stream that is not scikit-learn's, so parity is pinned from a given
initialisation: 240 points in 6 dimensions from four overlapping blobs (rounded to
1/1024, exact in any reader), started from four of its own points chosen badly
(all from one blob) so that several iterations run. Written to tests/fixtures/kmeans/:
X.npy, init.npy, labels.npy (float64), centers.npy, and meta.npy = [inertia, n_iter].
tests/integration/parity.rs holds heatmill to all of them.
"""
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "kmeans"


def main():
    rng = np.random.default_rng(16)
    n, d, k = 240, 6, 4
    centres = rng.normal(0.0, 2.0, (k, d))
    x = centres[np.arange(n) % k] + rng.standard_normal((n, d))
    x = np.round(x * 1024.0) / 1024.0
    init = x[[0, 4, 8, 12]].copy()  # all from blob 0
    km = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=1e-4)
    km.fit(x)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "X.npy", np.ascontiguousarray(x, dtype=np.float64))
    np.save(OUT / "init.npy", np.ascontiguousarray(init, dtype=np.float64))
    np.save(OUT / "labels.npy", km.labels_.astype(np.float64))
    np.save(OUT / "centers.npy", np.ascontiguousarray(km.cluster_centers_, dtype=np.float64))
    np.save(OUT / "meta.npy", np.array([km.inertia_, float(km.n_iter_)]))
    print(f"wrote {OUT}: X {x.shape}, n_iter {km.n_iter_}, inertia {km.inertia_}")


if __name__ == "__main__":
    main()
