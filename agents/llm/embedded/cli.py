"""``palaestra llm prepare|info|serve``: the embedded model's file, what it is, and its server."""

from __future__ import annotations

import argparse
import os
import sys
import time

from palaestra.config import check_tokens

from .server import ENV_TOKEN, check_binding, serve_forever
from .smoke import EXIT_RUNTIME_CRASHES, EmbeddedRuntimeCrash, check_runtime_decodes
from .weights import ensure_weights


def run_llm_command(args: argparse.Namespace) -> int:
    started = time.monotonic()
    token = args.token if args.token is not None else os.environ.get(ENV_TOKEN) or None
    if args.action == "serve":  # before the model's file is even looked at, let alone loaded
        check_tokens(
            [token] if token is not None else [], "give a real token, or bind 127.0.0.1 without one."
        )
        check_binding(args.host, token)
    weights = ensure_weights()
    if args.action == "prepare":
        try:
            check_runtime_decodes(weights.path)
        except EmbeddedRuntimeCrash as exc:
            print(f"palaestra: {exc}", file=sys.stderr)
            return EXIT_RUNTIME_CRASHES
        size = weights.path.stat().st_size / 1e6
        took = time.monotonic() - started
        print(f"{weights.path} ({size:.0f} MB, verified; llama.cpp decodes with it) in {took:.1f} s")
        return 0
    from .runtime import LlamaRuntime

    runtime = LlamaRuntime(weights, n_ctx=args.context, threads=args.threads)
    if args.action == "info":
        print(
            f"model    {weights.model_id}\nfile     {weights.path}\nsha256   {weights.sha256 or '(own file)'}"
        )
        print(f"context  {runtime.n_ctx} tokens\nthreads  {runtime.threads}")
        print(f"loaded   in {time.monotonic() - started:.1f} s")
        return 0
    base = f"http://{args.host}:{args.port}/v1"
    print(f"Serving {weights.model_id} at {base} (Ctrl-C stops). Point Palaestra at it with:")
    print(f"  export PALAESTRA_LLM_BASE_URL={base} PALAESTRA_LLM_MODEL={weights.model_id} \\")
    print(
        "         PALAESTRA_LLM_CAPABILITIES=chat,completion,tools,embeddings"
        + (" PALAESTRA_LLM_API_KEY=<token>" if token else ""),
        flush=True,
    )
    serve_forever(runtime, args.host, args.port, token)
    return 0
