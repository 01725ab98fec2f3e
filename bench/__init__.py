"""Measurements of Palaestra, by subject; run them from the repository root as `python -m bench.<name>`.

* `bench.speed`: `env_speed` (BrowserEnv against BrowserGym and MiniWoB++'s own env), `desktop`
  (DesktopEnv), `desktop_isolation` (what a desktop session's namespaces and cgroup cost),
  `runner` (the evaluation runner's throughput and overhead), `memory_speed` (exemplar memory),
  `llm_throughput` (the embedded LLM);
* `bench.agents`: `memory_agent` (the offline memory agent's success), `synapse_llm` (Synapse with
  the embedded LLM), `abstraction` (state abstraction's token ratio and target retention),
  `fuzzy_match` (the LLM's answer grading against hand labels, on `agents/data/`);
* `bench.routing`: the API selector's quality and speed on tool-retrieval data sets,
  `bench.routing.llm` (its LLM re-rank and judge) and `bench.routing.judge_compare`.

Nothing here is needed to use a feature: what a user runs to get one (training the routing judge,
refitting the selector's constants) is in the package (`palaestra routing ...`). `common.py` holds
what the measurements share; `results/` keeps raw rows of the runs docs/performance.md cites.
"""
