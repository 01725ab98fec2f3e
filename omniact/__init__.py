"""OmniACT offline scoring: generated PyAutoGUI scripts against gold scripts, never executed."""

from palaestra.omniact.data import OmniActTask, load_split
from palaestra.omniact.score import ScriptScore, aggregate, score_script

__all__ = ["OmniActTask", "ScriptScore", "aggregate", "load_split", "score_script"]
