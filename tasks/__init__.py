"""Task suites that plug into the environments."""

from palaestra.tasks.base import Download, EpisodeState, Evaluation, Task
from palaestra.tasks.registry import TaskSpec, all_tasks, get_task_spec, list_tasks, register_task, suites

__all__ = [
    "Download",
    "EpisodeState",
    "Evaluation",
    "Task",
    "TaskSpec",
    "all_tasks",
    "get_task_spec",
    "list_tasks",
    "register_task",
    "suites",
]
