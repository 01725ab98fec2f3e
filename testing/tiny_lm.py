"""A tiny chat tokenizer and a tiny randomly initialised causal LM, built on the spot from local text.

Why: a training pipeline over `palaestra export` files (TRL's `SFTTrainer`, a custom loop) can be
checked end to end in seconds on a CPU, offline, with no model downloaded: the tokenizer is a
byte-level BPE trained on the exported text itself, wrapped as a Hugging Face fast tokenizer with a
chat template, and the model is a two-layer Llama of width 32 drawn at random. Neither is good for
anything but showing that the data goes in, the masks fall where they should and the loss moves.

The chat template renders each message as ``<|role|>content<|end|>`` with nothing between turns, and
wraps an assistant's content and its ``<|end|>`` in ``{% generation %}`` markers, so that
`return_assistant_tokens_mask` (TRL's ``assistant_only_loss``) trains on the answers and their end
of turn only, and a prompt rendered with ``add_generation_prompt`` is a prefix of the conversation
with its answer (TRL's completion-only loss on conversational prompt-completion rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

__all__ = ["CHAT_TEMPLATE", "END", "PAD", "byte_bpe", "row_texts", "tiny_causal_lm", "tiny_chat_tokenizer"]

#: End of a turn, and of a text completion: the token a model trained on these rows learns to stop on.
END = "<|end|>"
PAD = "<|pad|>"
ROLES = ("system", "user", "assistant")

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] }}<|end|>{% endgeneration %}"
    "{% else %}{{ message['content'] }}<|end|>{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def row_texts(rows: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    """Every text of exported rows a tokenizer should know: message contents (the text parts of a
    vision-language row's), text prompts and completions (whichever of ``messages``, ``prompt`` and
    ``completion`` a row has)."""
    for row in rows:
        for key in ("messages", "prompt", "completion"):
            value = row.get(key)
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                for message in value:
                    content = message.get("content") if isinstance(message, Mapping) else None
                    if isinstance(content, list):
                        yield from (str(p.get("text") or "") for p in content if isinstance(p, Mapping))
                    elif content is not None:
                        yield str(content)


def tiny_chat_tokenizer(texts: Iterable[str], vocab_size: int = 1024) -> PreTrainedTokenizerFast:
    """A byte-level BPE trained on ``texts`` (so any text encodes, and decodes back exactly), with
    the chat template above, ``<|end|>`` as its end-of-sequence token and ``<|pad|>`` to pad."""
    specials = [PAD, END, *(f"<|{role}|>" for role in ROLES)]
    tokenizer = byte_bpe(texts, vocab_size, specials, end=END, pad=PAD)
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def byte_bpe(
    texts: Iterable[str],
    vocab_size: int,
    specials: list[str],
    *,
    end: str,
    pad: str,
    across_words: bool = False,
) -> PreTrainedTokenizerFast:
    """A byte-level BPE trained on ``texts`` with ``specials`` as whole tokens, ``end`` ending a
    sequence and ``pad`` padding; no chat template yet. ``across_words`` lets a token span spaces
    and punctuation, so text seen often in training (a prompt's tool list) becomes a few tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=not across_words)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    others = [s for s in specials if s not in (end, pad)]
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token=end, pad_token=pad, additional_special_tokens=others
    )


def tiny_causal_lm(tokenizer: PreTrainedTokenizerFast, seed: int = 0) -> LlamaForCausalLM:
    """A Llama of two layers, width 32, drawn at random (``seed``) for ``tokenizer``'s vocabulary:
    about 60 thousand parameters, a training step on a few rows in a fraction of a second on a CPU."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=8192,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config)
