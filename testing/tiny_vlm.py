"""A tiny vision-language processor and a tiny randomly initialised LLaVA, built on the spot.

Why: `palaestra export` writes a vision agent's calls as TRL's vision-language rows (images in
``file_names``, loaded as an ``images`` column by `datasets`' imagefolder). Checking that TRL's
`SFTTrainer` takes them, offline and in seconds on a CPU, needs a processor and a model that
nothing has to be downloaded for: the tokenizer is `tiny_lm`'s byte-level BPE learnt from the rows'
text, with an ``<image>`` token; the images are shrunk to 32 x 32 pixels, 16 patches of 8, each one
``<image>`` token in the prompt; the model is LLaVA over a one-layer CLIP vision tower and
`tiny_lm`'s two-layer Llama, drawn at random. They learn nothing useful: they show that the images
reach the model as pixels, the texts as tokens, and the loss falls on the answers.

The chat template renders each message as ``<|role|>`` then its parts (``<image>`` for an image, the
text of a text part) then ``<|end|>``, an assistant's in ``{% generation %}`` markers, as `tiny_lm`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from palaestra.testing.tiny_lm import tiny_chat_tokenizer

if TYPE_CHECKING:
    from transformers import LlavaForConditionalGeneration, LlavaProcessor

__all__ = ["IMAGE", "IMAGE_TOKENS", "VISION_CHAT_TEMPLATE", "tiny_vision_lm", "tiny_vision_processor"]

#: The token an image's patches take the place of, and how many of them an image becomes.
IMAGE = "<image>"
IMAGE_SIDE, PATCH = 32, 8
IMAGE_TOKENS = (IMAGE_SIDE // PATCH) ** 2

VISION_CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>"
    "{% if message['role'] == 'assistant' %}{% generation %}"
    "{% for part in message['content'] %}{{ part['text'] }}{% endfor %}<|end|>{% endgeneration %}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>{% else %}{{ part['text'] }}{% endif %}"
    "{% endfor %}<|end|>{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def tiny_vision_processor(texts: Iterable[str]) -> LlavaProcessor:
    """A LLaVA processor: `tiny_lm`'s tokenizer learnt from ``texts`` with an ``<image>`` token,
    and a CLIP image processor (the pure-PIL one: torchvision is not needed) to 32 x 32 pixels."""
    from transformers import CLIPImageProcessorPil, LlavaProcessor

    tokenizer = tiny_chat_tokenizer(texts)
    tokenizer.add_tokens([IMAGE], special_tokens=True)
    tokenizer.chat_template = VISION_CHAT_TEMPLATE
    images = CLIPImageProcessorPil(
        size={"shortest_edge": IMAGE_SIDE}, crop_size={"height": IMAGE_SIDE, "width": IMAGE_SIDE}
    )
    return LlavaProcessor(
        image_processor=images, tokenizer=tokenizer, patch_size=PATCH, image_token=IMAGE,
        vision_feature_select_strategy="default", num_additional_image_tokens=1,
        chat_template=VISION_CHAT_TEMPLATE,
    )  # fmt: skip


def tiny_vision_lm(processor: LlavaProcessor, seed: int = 0) -> LlavaForConditionalGeneration:
    """LLaVA with a one-layer CLIP vision tower (width 32) and a two-layer Llama (width 32) for
    ``processor``'s vocabulary, drawn at random (``seed``)."""
    import torch
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

    tokenizer = processor.tokenizer
    vision = CLIPVisionConfig(
        image_size=IMAGE_SIDE, patch_size=PATCH, hidden_size=32, intermediate_size=64,
        num_hidden_layers=1, num_attention_heads=2, projection_dim=32,
    )  # fmt: skip
    text = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=8192, bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
    )  # fmt: skip
    config = LlavaConfig(
        vision_config=vision, text_config=text, image_token_index=tokenizer.convert_tokens_to_ids(IMAGE),
        vision_feature_select_strategy="default", vision_feature_layer=-1,
    )  # fmt: skip
    torch.manual_seed(seed)
    return LlavaForConditionalGeneration(config)
