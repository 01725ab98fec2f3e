"""TRL's GRPOTrainer trains through `WebToolEnv` as docs/runs.md shows it ("Online RL with TRL"):
the tiny scripted policy (`palaestra.testing.tiny_policy`) calls a tool, the environments play it in
Chromium, and the rewards TRL logs are the episodes'. A dataset of two MiniWoB++ tasks, two
generations each, so TRL keeps four instances and hands each a task by the row's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.envs.tool_env import WebToolEnv


def test_grpo_plays_a_dataset_of_two_tasks_and_logs_their_rewards(tmp_path: Path) -> None:
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from palaestra.testing.tiny_policy import scripted_policy, tool_call_text, tool_chat_tokenizer

    call = tool_call_text("click", {"element_id": "15"})  # click-test's button; nothing on enter-text
    tokenizer = tool_chat_tokenizer([call, "Goal: Click the button. The page: RootWebArea button"])
    prompt = [{"role": "user", "content": "Do what the goal says, with the tools."}]
    rows = Dataset.from_list(
        [{"prompt": prompt, "task": task, "seed": 3} for task in ("miniwob.click-test", "miniwob.enter-text")]
    )
    made: list[WebToolEnv] = []
    seen: list[Any] = []

    class Recorded(WebToolEnv):
        """A `WebToolEnv` that keeps what its resets answered (what the model reads)."""

        def reset(self, task: str | None = None, seed: int | None = None, **columns: Any) -> Any:
            seen.append(answer := super().reset(task, seed, **columns))
            return answer

    def factory() -> WebToolEnv:
        made.append(Recorded())
        return made[-1]

    args = GRPOConfig(
        output_dir=str(tmp_path / "grpo"),
        per_device_train_batch_size=4,
        num_generations=2,
        max_steps=1,
        max_completion_length=64,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=scripted_policy(tokenizer, call),
        processing_class=tokenizer,
        args=args,
        train_dataset=rows,
        environment_factory=factory,
    )
    trainer.train()
    logged = trainer.state.log_history[0]
    assert logged["tools/call_frequency"] == 1.0 and logged["tools/failure_frequency"] == 0.0
    assert len(made) == 4 and sorted(env.get_reward() for env in made) == [0.0, 0.0, 1.0, 1.0]
    assert logged["rewards/Recorded/mean"] == 0.5
    assert len(seen) == 4 and sum("Goal: Click the button." in text for text in seen) == 2
    assert not any("click-test" in text or "enter-text" in text for text in seen)
