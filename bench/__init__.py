"""Measurements of Palaestra, by subject; run them from the repository root as `python -m bench.<name>`.

* `bench.speed`: `env_speed` (BrowserEnv against BrowserGym and MiniWoB++'s own env), `runner`
  (the evaluation runner's throughput and overhead), `memory_speed` (exemplar memory);
* `bench.agents`: `memory_agent` (the offline memory agent's success), `abstraction` (state
  abstraction's token ratio and target retention);
* `bench.routing`: the API selector's quality and speed on tool-retrieval data sets, and
  `bench.routing.judge_compare`.

Nothing here is needed to use a feature: what a user runs to get one (training the routing judge,
refitting the selector's constants) is in the package (`palaestra routing ...`). `common.py` holds
what the measurements share.
"""
