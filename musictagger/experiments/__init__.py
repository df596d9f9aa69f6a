"""The paper's experiments, baselines and a pre-trained peer, regenerated as one report.

``musictagger experiments`` (:mod:`musictagger.experiments.run`) trains the head variants on
the cached backbone maps, runs the hashing methods and the baselines, and writes
``reports/experiments.md`` with its CSV files and figures.  Torch and scikit-learn only (the
``train`` extra); nothing in the application imports this package.
"""
