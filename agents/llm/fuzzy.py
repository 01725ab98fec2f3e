"""``fuzzy_match``: does an agent's answer mean the same as the reference answer? Asked of a model.

WebArena grades free-text answers ("fuzzy_match" in a task's ``reference_answers``) by asking an
LLM whether the student's answer is semantically equivalent to the reference. Site evaluators
call ``afuzzy_match`` (or the synchronous ``fuzzy_match``) with any ``Model``; with none, the
default (the configured endpoint, else the embedded model).

Answers equal after folding case, spaces and trailing punctuation are a match without asking. A
chat model is asked WebArena's question and its verdict read from the words "correct" /
"incorrect"; a completion model (the embedded one) continues a short list of graded examples
with "correct" or "incorrect", which a small pretrained model follows where it would not follow
the instruction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Model

INSTRUCTION = (
    "Help a teacher grade a student's answer to a question. The student may use different words or "
    "phrasing; what matters is whether the answer means the same as the reference answer. 'N/A' "
    "means the task cannot be done."
)
#: Graded examples for completion models, about things no benchmark task asks.
#: As many of each verdict, alternating, so that the model learns no prior for either.
EXAMPLES = (
    ("How many moons does Mars have?", "2", "Mars has two moons.", "correct"),
    ("Which city is the capital of Kenya?", "Nairobi", "Mombasa", "incorrect"),
    ("When did the bakery open?", "March 3, 2019", "2019-03-03", "correct"),
    ("How long is the river trail?", "12 km", "about 20 kilometres", "incorrect"),
    ("What colour is the museum's front door?", "dark green", "It is green, a dark shade.", "correct"),
    ("Who painted the mural?", "N/A", "The mural was painted by Ana Ruiz.", "incorrect"),
)
_VERDICT = re.compile(r"\b(incorrect|not correct|correct)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().casefold()).strip(" .!")


def graded(question: str, reference: str, answer: str) -> str:
    return f"Question: {question}\nReference answer: {reference}\nStudent answer: {answer}\nVerdict:"


def completion_prompt(reference: str, prediction: str, question: str) -> str:
    shots = "\n\n".join(f"{graded(q, r, a)} {v}" for q, r, a, v in EXAMPLES)
    return f"{INSTRUCTION}\n\n{shots}\n\n{graded(question, reference, prediction)}"


def chat_messages(reference: str, prediction: str, question: str) -> list[dict[str, str]]:
    body = (
        f"question: {question}\nreference answer: {reference}\nstudent answer: {prediction}\n"
        "Conclude the judgement with one word: correct or incorrect."
    )
    return [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": body}]


def verdict(text: str) -> bool:
    """True when the first verdict word in ``text`` is "correct" (not "incorrect")."""
    found = _VERDICT.search(text)
    return bool(found and found.group(1).lower() == "correct")


async def afuzzy_match(reference: str, prediction: str, question: str, model: Model | None = None) -> bool:
    """Whether ``prediction`` answers ``question`` as ``reference`` does."""
    if normalise(reference) == normalise(prediction):
        return True
    if not prediction.strip():
        return False
    from .default import default_model
    from .model import prompt_style

    owned = model is None
    model = model or default_model()
    try:
        if prompt_style(model) == "completion":
            prompt = completion_prompt(reference, prediction, question)
            completion = await model.complete_text(prompt, stop=["\n"], max_tokens=4)
        else:
            completion = await model.complete(chat_messages(reference, prediction, question))
    finally:
        if owned:
            await model.aclose()
    return verdict(completion.text)


def fuzzy_match(reference: str, prediction: str, question: str, model: Model | None = None) -> bool:
    """``afuzzy_match`` for synchronous callers (not from inside a running event loop)."""
    import asyncio

    return asyncio.run(afuzzy_match(reference, prediction, question, model))
