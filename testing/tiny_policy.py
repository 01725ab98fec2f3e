"""A tiny tool-calling model whose answers are scripted, for checking online-RL plumbing offline.

Why: a trainer that lets a model call an environment's tools (TRL's ``GRPOTrainer`` with
``environment_factory``) can only be checked end to end if the model does call a tool; a model drawn
at random never writes a well-formed call, and no real model can be downloaded here. This one is a
real `LlamaForCausalLM` (two layers, width 32, trainable, its log-probabilities and gradients real)
whose logits get a large bonus on the next token of a scripted answer: after each assistant opening
it writes ``first`` (a tool call), and after an opening that follows a tool's response it writes
``then`` (by default nothing: it ends its turn). The tokenizer speaks TRL's Qwen2.5 chat template, with
TRL's response parser, so the trainer renders the tools, reads the call and feeds the answer back as
it would for Qwen.

Only the scripted text is forced; the weights still move with the loss, which is what a check of
the plumbing needs (the rewards, masks and logs), and nothing about learning is claimed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from palaestra.testing.tiny_lm import byte_bpe, tiny_causal_lm

if TYPE_CHECKING:
    from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

__all__ = ["END", "OPENING", "TOOL_RESPONSE", "scripted_policy", "tool_call_text", "tool_chat_tokenizer"]

END = "<|im_end|>"
PAD = "<|endoftext|>"
#: What the Qwen2.5 template writes before each assistant turn (``add_generation_prompt``).
OPENING = "<|im_start|>assistant\n"
#: What the template wraps a tool's answer in: an opening after it starts the answer to the tool.
TOOL_RESPONSE = "<tool_response>"
#: The bonus a scripted token's logit gets: past any logit a width-32 model can produce.
BONUS = 1000.0


def tool_call_text(name: str, arguments: dict[str, Any]) -> str:
    """A tool call as the Qwen2.5 template writes one (what its parser reads back)."""
    return f'<tool_call>\n{{"name": "{name}", "arguments": {json.dumps(arguments)}}}\n</tool_call>'


def tool_chat_tokenizer(texts: Iterable[str], vocab_size: int = 2048) -> PreTrainedTokenizerFast:
    """A byte-level BPE trained on ``texts`` and on the chat template itself, with TRL's Qwen2.5
    chat template and response parser (``add_response_schema``), ending turns with ``<|im_end|>``."""
    from trl.chat_template_utils import add_response_schema, qwen2_5_chat_template

    specials = [PAD, END, "<|im_start|>"]
    texts = [*texts, qwen2_5_chat_template]
    tokenizer = byte_bpe(texts, vocab_size, specials, end=END, pad=PAD, across_words=True)
    tokenizer.chat_template = qwen2_5_chat_template
    add_response_schema(tokenizer)  # sets the parser on the tokenizer itself
    return tokenizer


def scripted_policy(
    tokenizer: PreTrainedTokenizerFast, first: str, then: str = "", seed: int = 0
) -> LlamaForCausalLM:
    """A tiny Llama for ``tokenizer`` that answers ``first`` to the prompt and ``then`` after a
    tool's response, each followed by the end of its turn (see the module)."""
    import torch

    model = tiny_causal_lm(tokenizer, seed=seed)
    model.config.use_cache = False  # the script is read from the whole sequence at every step
    model.generation_config.use_cache = False
    opening = tokenizer.encode(OPENING, add_special_tokens=False)
    scripts = [
        [*tokenizer.encode(t, add_special_tokens=False), tokenizer.eos_token_id] for t in (first, then)
    ]
    plain_forward = model.forward

    def next_tokens(ids: list[int]) -> dict[int, int]:
        """{position: the token the script puts after it} for the last assistant turn of ``ids``."""
        starts = [
            i + len(opening)
            for i in range(len(ids) - len(opening) + 1)
            if ids[i : i + len(opening)] == opening
        ]
        if not starts:
            return {}
        start = starts[-1]
        answered = TOOL_RESPONSE in tokenizer.decode(ids[:start])
        script = scripts[1 if answered else 0]
        forced = {}
        for k, token in enumerate(script):
            at = start + k - 1  # the logits at position p predict the token at p + 1
            if at >= len(ids):
                break
            if k and ids[start + k - 1] != script[k - 1]:
                break  # the text left the script (sampling, truncation): force nothing more
            forced[at] = token
        return forced

    def forward(input_ids: Any = None, **kwargs: Any) -> Any:
        out = plain_forward(input_ids=input_ids, **kwargs)
        bonus = torch.zeros_like(out.logits)
        kept = out.logits.shape[1]  # generation keeps the last position's logits only
        for row, ids in enumerate(input_ids.tolist()):
            for at, token in next_tokens(ids).items():
                if at >= len(ids) - kept:
                    bonus[row, at - (len(ids) - kept), token] = BONUS
        out.logits = out.logits + bonus
        return out

    model.forward = forward
    return model
