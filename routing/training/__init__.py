"""Fitting what the selector ships with: the opt-in fit judge and the tuned constants.

Nothing here runs when a selector selects. These are the steps a user re-runs to get a feature
(`palaestra routing train-judge` writes a judge directory for `CrossEncoderJudge`) or to refit the
constants for their own data and embedder (`palaestra routing tune` prints them):

* `datasets/`: tool-retrieval data sets behind one small interface (`DataSource`), BFCL v4 and a
  directory of converted files so far; a new set is one loader module there;
* `evaluation.py`: the ranking metrics, the tuning/held-out split and an embedding cache, which the
  tuning here and the measurement in `bench/routing/` share;
* `tune.py` and `history_tune.py`: the fusion, BM25, learned-ranker, abstain-rule and route-history
  constants, fitted on the tuning half and checked on the held-out half;
* `judge_training.py`: the cross-encoder judge and its `JudgePolicy`;
* `cli.py`: the `palaestra routing` command.

Data is read from a local cache; it is downloaded only when the user asks (`--download`).
Importing this package loads neither torch nor the data.
"""
