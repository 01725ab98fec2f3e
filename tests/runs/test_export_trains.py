"""`palaestra export` files train as written: TRL's `SFTTrainer` on each, offline, on a CPU.

The runs are real (the oracle and the generic agent over the scripted server on MiniWoB++ pages in
Chromium, as in test_export.py, plus one generic episode whose first answer was asked again, with the
screenshot left out of its row); the tokenizer is a byte-level BPE trained on the exported text and
the model a two-layer Llama drawn at random (`palaestra.testing.tiny_lm`), so nothing is downloaded.
Each test trains a few epochs and checks what TRL made of the rows: one training example per row,
the loss going down, and, token by token, that the answer is what is trained on and the prompt not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from palaestra.cli import main
from palaestra.testing import ScriptedLLMServer
from palaestra.testing.script import ScriptRequest
from palaestra.testing.tiny_lm import END, row_texts, tiny_causal_lm, tiny_chat_tokenizer
from palaestra.testing.tiny_vlm import IMAGE, IMAGE_TOKENS, tiny_vision_lm, tiny_vision_processor
from tests.runs import test_export
from tests.runs.export_runs import click_the_button
from tests.runs.test_export import export

if TYPE_CHECKING:  # TRL takes seconds to import: the worker that trains imports it
    from trl import SFTTrainer

#: test_export.py's fixtures, used here by name: its run of the oracle and the generic agent (12
#: episodes on three MiniWoB++ tasks) and the scripted server that answered the generic agent.
run, server = test_export.run, test_export.server

EPOCHS, BATCH = 3, 4
IGNORED = -100  # the label of a token the loss leaves out


@pytest.fixture
def reasked_run(reasked_vision_run: tuple[Path, list[ScriptRequest]]) -> Path:
    """The generic agent with the screenshot, whose first answer held no action and was asked again:
    its row holds two assistant turns, `reasks` and, exported with `--no-images` beside text-only
    calls, `images_dropped`."""
    return reasked_vision_run[0]


@pytest.fixture(scope="module")
def vision_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generic agent with the screenshot on two tasks, seeds 0-1, two steps at most."""
    out = tmp_path_factory.mktemp("export-vision") / "run"
    with ScriptedLLMServer(click_the_button) as llm:
        argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={llm.base_url}", "--agent-arg", "vision=screenshot", "--tasks",
                "click-collapsible,click-test", "--seeds", "0-1", "--max-steps", "2", "--workers", "1",
                "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
    return out


@pytest.fixture(autouse=True)
def offline_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No hub (a download attempted by `datasets` or `transformers` fails the test), and torch on
    one thread: the model is tiny, and threads that wait on each other on a busy machine (tests run
    two at a time) cost far more than they give."""
    import torch

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def train(path: Path, tmp_path: Path, **config: Any) -> tuple[SFTTrainer, Any]:
    """`SFTTrainer` on the exported file as `datasets` loads it, trained ``EPOCHS`` epochs; the
    trainer and the tokenizer (built from the file's own text)."""
    import datasets
    from trl import SFTConfig, SFTTrainer

    rows = [json.loads(line) for line in path.read_text().splitlines()]
    tokenizer = tiny_chat_tokenizer(row_texts(rows))
    dataset = datasets.load_dataset(
        "json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf")
    )
    args = SFTConfig(
        output_dir=str(tmp_path / "sft"), num_train_epochs=EPOCHS, per_device_train_batch_size=BATCH,
        learning_rate=1e-2, lr_scheduler_type="constant", logging_steps=1, bf16=False, use_cpu=True,
        max_length=None, gradient_checkpointing=False, report_to="none", save_strategy="no",
        disable_tqdm=True, seed=0, **config,
    )  # fmt: skip
    trainer = SFTTrainer(
        model=tiny_causal_lm(tokenizer), args=args, train_dataset=dataset, processing_class=tokenizer
    )
    trainer.train()
    return trainer, tokenizer


def assert_trained_on_every_row(trainer: SFTTrainer, rows: list[dict[str, Any]]) -> None:
    """One training example per row (none dropped, none cut), as many steps as the rows make each
    epoch, and the loss finite and lower each epoch (summed over the epoch's steps)."""
    assert trainer.train_dataset is not None and trainer.train_dataset.num_rows == len(rows)
    steps_per_epoch = math.ceil(len(rows) / BATCH)
    assert trainer.state.global_step == EPOCHS * steps_per_epoch
    losses = [log["loss"] for log in trainer.state.log_history if "loss" in log]
    assert len(losses) == EPOCHS * steps_per_epoch and all(math.isfinite(x) for x in losses)
    epochs = [sum(losses[i : i + steps_per_epoch]) for i in range(0, len(losses), steps_per_epoch)]
    assert epochs == sorted(epochs, reverse=True) and len(set(epochs)) == EPOCHS, losses


def trained_texts(trainer: SFTTrainer, tokenizer: Any) -> list[tuple[str, str]]:
    """Each example of one pass over TRL's batches (its collator's padding included): the whole text
    fed to the model, and the text of the tokens the loss counts (their labels equal the inputs)."""
    seen = []
    for batch in trainer.get_train_dataloader():
        for ids, labels, attention in zip(
            batch["input_ids"], batch["labels"], batch["attention_mask"], strict=True
        ):
            counted = labels != IGNORED
            assert (labels[counted] == ids[counted]).all() and not counted[attention == 0].any()
            seen.append((tokenizer.decode(ids[attention == 1]), tokenizer.decode(ids[counted])))
    return seen


def test_messages_rows_train_with_the_assistant_turns_alone_counted(
    run: Path, reasked_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """TRL's conversational rows with `assistant_only_loss`: every assistant turn and its end of turn
    is trained on, the system and user messages are not. A row whose answer was asked again holds the
    failed answer too, and it is trained on as well (the docs say to drop `reasks` rows, or use
    prompt-completion rows, where the last answer alone is)."""
    out = tmp_path / "messages.jsonl"
    rows, _ = export(
        capsys, str(run), str(reasked_run), "--agents", "generic", "--no-images", "--out", str(out)
    )
    assert any(r.get("reasks") == 1 and r.get("images_dropped") == 1 for r in rows)
    trainer, tokenizer = train(out, tmp_path, assistant_only_loss=True)
    assert_trained_on_every_row(trainer, rows)
    seen = trained_texts(trainer, tokenizer)
    assert sorted(seen) == sorted(
        (
            tokenizer.apply_chat_template(r["messages"], tokenize=False),
            "".join(m["content"] + END for m in r["messages"] if m["role"] == "assistant"),
        )
        for r in rows
    )
    assert any(counted.startswith(f"Hmm.{END}I click") for _, counted in seen)


def test_conversational_prompt_completion_rows_train_on_the_completion_alone(
    run: Path, reasked_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Conversational prompt-completion rows (completion-only loss, TRL's default for them): the
    answer and its end of turn are trained on; the prompt, a failed answer and its re-ask included,
    is not."""
    out = tmp_path / "pc.jsonl"
    rows, _ = export(capsys, str(run), str(reasked_run), "--agents", "generic", "--no-images", "--format",
                     "prompt-completion", "--out", str(out))  # fmt: skip
    trainer, tokenizer = train(out, tmp_path)
    assert_trained_on_every_row(trainer, rows)
    seen = trained_texts(trainer, tokenizer)
    assert sorted(seen) == sorted(
        (tokenizer.apply_chat_template(r["prompt"] + r["completion"], tokenize=False),
         r["completion"][0]["content"] + END)
        for r in rows
    )  # fmt: skip
    reasked = [counted for whole, counted in seen if "Hmm." in whole]
    assert len(reasked) == 1 and "Hmm." not in reasked[0] and reasked[0].startswith("I click")


def test_text_prompt_completion_rows_train_on_the_completion_alone(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text prompt-completion rows (the oracle's steps written as Synapse's completion prompts): the
    text prompt is left out of the loss, the completion and the end of sequence TRL adds are in."""
    out = tmp_path / "text.jsonl"
    rows, _ = export(capsys, str(run), "--agents", "oracle", "--as-agent", "synapse", "--format",
                     "prompt-completion", "--out", str(out))  # fmt: skip
    assert all(isinstance(r["prompt"], str) for r in rows)
    trainer, tokenizer = train(out, tmp_path)
    assert_trained_on_every_row(trainer, rows)
    seen = trained_texts(trainer, tokenizer)
    assert sorted(seen) == sorted((r["prompt"] + r["completion"] + END, r["completion"] + END) for r in rows)
    assert all(counted.startswith(" ") for _, counted in seen)


def test_vision_language_rows_train_a_vlm_on_the_images_sent(
    vision_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Vision-language rows, loaded by `datasets`' imagefolder, train a (tiny, random) LLaVA through
    TRL's `SFTTrainer` with `assistant_only_loss`: each example's pixels are its row's image as the
    processor makes it, its prompt holds that image's tokens, and the answer alone is trained on."""
    import datasets
    import torch
    from PIL import Image
    from trl import SFTConfig, SFTTrainer

    out = tmp_path / "vlm.jsonl"
    rows, _ = export(capsys, str(vision_run), "--out", str(out))
    assert len(rows) >= 4 and all(len(r["file_names"]) == 1 for r in rows)
    dataset = datasets.load_dataset(
        "imagefolder", data_files=str(out), metadata_filenames=[out.name], split="train",
        cache_dir=str(tmp_path / "hf"),
    )  # fmt: skip
    processor = tiny_vision_processor(row_texts(rows))
    args = SFTConfig(
        output_dir=str(tmp_path / "sft"), num_train_epochs=EPOCHS, per_device_train_batch_size=BATCH,
        learning_rate=1e-2, lr_scheduler_type="constant", logging_steps=1, bf16=False, use_cpu=True,
        max_length=None, report_to="none", save_strategy="no", disable_tqdm=True, seed=0,
        assistant_only_loss=True,
    )  # fmt: skip
    trainer = SFTTrainer(
        model=tiny_vision_lm(processor), args=args, train_dataset=dataset, processing_class=processor
    )
    trainer.train()
    assert_trained_on_every_row(trainer, rows)

    def pixels(name: str) -> Any:
        with Image.open(out.parent / name) as image:
            return processor.image_processor(images=[image.convert("RGB")], return_tensors="pt")[
                "pixel_values"
            ][0]

    expected = [pixels(r["file_names"][0]) for r in rows]
    image_id = processor.tokenizer.convert_tokens_to_ids(IMAGE)
    counted_texts = []
    for batch in trainer.get_train_dataloader():
        assert (batch["input_ids"] == image_id).sum(1).tolist() == [IMAGE_TOKENS] * len(batch["input_ids"])
        for ids, labels, shown in zip(
            batch["input_ids"], batch["labels"], batch["pixel_values"], strict=True
        ):
            match = next(i for i, e in enumerate(expected) if torch.allclose(e, shown))
            expected.pop(match)
            counted_texts.append(processor.tokenizer.decode(ids[labels != IGNORED]))
    assert expected == []  # every row's image, once
    assert sorted(counted_texts) == sorted(r["messages"][-1]["content"][0]["text"] + END for r in rows)
