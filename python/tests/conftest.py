import numpy as np
import pandas as pd
import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def seed_df():
    """The tutorial's genes x samples expression frame (data-samples/seed.csv)."""
    return pd.read_csv(ROOT / "data-samples" / "seed.csv", index_col=0)


@pytest.fixture(scope="session")
def samples():
    return pd.read_csv(ROOT / "data-samples" / "samples.tsv", sep="\t", index_col=0)


@pytest.fixture(scope="session")
def rng():
    return np.random.default_rng(17)
