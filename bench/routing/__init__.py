"""The API selector: `python -m bench.routing` (quality, abstention and speed on tool-retrieval sets,
see `benchmark.py`), `python -m bench.routing.llm` (the LLM re-rank and "none fits" judge) and
`python -m bench.routing.judge_compare` (do averaged judges abstain more?)."""
