"""What the Synapse agent may be told (``--agent-arg key=value``) and the checks a run makes of it
before its first episode (see ``palaestra.agents.checks``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from palaestra.agents.checks import (
    require_key_for_default_endpoint,
    require_memory,
    require_reachable_endpoint,
)
from palaestra.agents.llm import check_default_model
from palaestra.agents.llm.default import endpoint_configured
from palaestra.agents.llm.endpoint_args import EndpointArgs
from palaestra.agents.llm.model import STYLES
from palaestra.config import ConfigError
from palaestra.errors import check_choice, did_you_mean

REFER_BY = ("auto", "id", "text")


@dataclass(frozen=True)
class SynapseConfig(EndpointArgs):
    """The model's arguments (`EndpointArgs`; a short answer: an action, no reasoning), its
    exemplar memory and how its prompts are laid out."""

    max_tokens: int = 256
    memory: str = ""  # ExemplarMemory directory; empty means no exemplars (zero-shot)
    exemplars: int = 3  # trajectories in the prompt
    retrieve: int = 50  # candidates fetched by goal embedding, then re-ranked on the first page
    context_window: int = 8192
    state_tokens: int = 800
    max_reasks: int = 2
    #: auto (completion when the model has it), chat, completion, or turns: a chat model prompted in
    #: Synapse's own chat layout (each state a user turn, each action an assistant turn).
    prompt_style: str = "auto"
    #: How prompts name elements: "id" (``click('15')``), "text" (``click([button Yes])``, answers
    #: decoded under a grammar when the model takes one), or "auto": text when the model continues
    #: text under a grammar, else id.
    refer_by: str = "auto"
    #: Give up (end the episode) after this many times the longest exemplar's steps, plus two:
    #: an episode that long has lost its way, and every further step costs a model call. 0: never.
    give_up_factor: float = 2.0

    #: The arguments of Synapse's own `run_miniwob.py`, and what each is here: a researcher types them.
    FOREIGN_NAMES: ClassVar[dict[str, str]] = {
        "memory_path": "Synapse's `--memory_path` is `memory=DIR` here (made by `palaestra memory build`).",
        "no_memory": (
            "Synapse's `--no_memory` took the exemplars filed under the task's name, which agents here are "
            "never told. Leave `memory` unset for a zero-shot agent, or build a memory of that task's "
            "demonstrations only (`palaestra memory build DIR --oracles TASK`)."
        ),
        "no_filter": (
            "Synapse's `--no_filter` prompted with the raw state; here the state is always abstracted "
            "(the `generic` agent with `observation=axtree` sends the whole tree)."
        ),
        "env_name": "The task is `palaestra eval --tasks`, and is never told to the agent.",
        "seed": "Seeds are `palaestra eval --seeds`.",
        "num_episodes": "Seeds are `palaestra eval --seeds` (one episode each).",
        "log_dir": "Records go to `palaestra eval --out DIR` (each step's prompt and answer included).",
        "top_k": "The trajectories in the prompt are `exemplars` (3); candidates re-ranked, `retrieve` (50).",
    }

    def check(self) -> None:
        """A memory, if given, must exist and be readable; choices must be known ones and counts
        make sense (``exemplars=-1`` would silently drop the closest exemplar, a window smaller
        than the answer leaves no room for a prompt). No model named here or in the environment
        means the embedded LLM (``default_model``), so none is required."""
        require_memory(self.memory, "synapse", required=False)
        self.check_endpoint("synapse")
        if self.refer_by not in REFER_BY:
            raise ConfigError(
                f"synapse: unknown refer_by `{self.refer_by}`.{did_you_mean(self.refer_by, list(REFER_BY))} "
                f"Known: {', '.join(REFER_BY)}."
            )
        check_choice("synapse: prompt_style", self.prompt_style, (*STYLES, "turns"))
        for name, least in (
            ("exemplars", 0), ("retrieve", 1), ("max_tokens", 1), ("state_tokens", 1), ("max_reasks", 0),
            ("give_up_factor", 0),
        ):  # fmt: skip
            if getattr(self, name) < least:
                raise ConfigError(f"synapse: {name} must be {least} or more, got {getattr(self, name)}.")
        if self.retrieve < self.exemplars:
            raise ConfigError(
                f"synapse: retrieve={self.retrieve} fetches fewer candidates than exemplars={self.exemplars} "
                f"puts in the prompt. Fix: retrieve >= exemplars (default 50)."
            )
        if self.context_window < self.max_tokens + self.state_tokens:
            raise ConfigError(
                f"synapse: context_window={self.context_window} leaves no room for a prompt beside "
                f"max_tokens={self.max_tokens} and state_tokens={self.state_tokens}. Fix: the model's "
                f"window (default 8192), or smaller max_tokens / state_tokens."
            )
        if not self.model and not self.base_url:
            check_default_model("synapse")
        if self.model or self.base_url or endpoint_configured():
            require_key_for_default_endpoint(self.base_url, self.api_key, "synapse")
            require_reachable_endpoint(self.base_url, "synapse")
