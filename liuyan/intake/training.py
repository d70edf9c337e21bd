"""Training data the platform has of its own: the demo's synthetic corpus, and its history of people's decisions.

Tasks and their labels: "category" → a taxonomy path, "type" → a message type code, "department" → a unit code.
"""

import random
from collections.abc import Iterator

from liuyan.classify.data import Example
from liuyan.demo import corpus
from liuyan.intake.models import LabeledExample
from liuyan.messages.models import Message
from liuyan.messages.states import State

TASKS = ("category", "type", "department")
# Messages that passed review: their category and type were confirmed (or fixed) by a person.
REVIEWED_STATES = [
    s
    for s in State.values
    if s not in (State.SUBMITTED, State.UNDER_REVIEW, State.REJECTED, State.MERGED, State.ANSWERED_DIRECTLY)
]
# Where a message went in the end counts once it was replied to: a unit that answered it was the right one.
ANSWERED_STATES = [State.REPLIED, State.RATED, State.CLOSED, State.ARCHIVED]


def corpus_examples(task: str, *, per_topic: int = 60, seed: int = 2026) -> list[Example]:
    """Synthetic messages from the demo's own templates (no real text): a model for the demo to start with."""
    if task not in ("category", "type"):
        raise ValueError(f"the demo corpus has no labels for {task}")
    rng = random.Random(seed)
    cities = ["A市", "B市", "C市", "D市", "E市"]
    out: list[Example] = []
    for topic in corpus.TOPICS:
        for _ in range(per_topic):
            city = rng.choice(cities)
            county = rng.choice([city, *(f"{city[0]}{i}区" for i in range(1, 6))])
            slots = corpus.make_slots(rng, city=city, county=county, other_city=rng.choice(cities))
            texts = corpus.compose_message(
                rng, topic, slots, with_phone=rng.random() < 0.3, with_name=rng.random() < 0.2
            )
            label = texts.category if task == "category" else texts.type
            out.append(Example(f"{texts.title}\n{texts.body}", label))
    return out


def history_examples(task: str, *, limit: int = 200_000) -> list[Example]:
    """The platform's own labelled history, newest first: reviewed messages with their (confirmed) category and
    type, answered messages with the unit that answered; people's later corrections override."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task}")
    by_message: dict[int, Example] = {}
    for example in _from_messages(task, limit):
        by_message.setdefault(example[0], example[1])
    corrections = LabeledExample.objects.filter(task=task).order_by("-created_at", "-pk")
    loose: list[Example] = []
    decided: set[int] = set()  # the newest decision about a message wins over older ones and over its row
    for row in corrections.values_list("message_id", "text", "label")[:limit].iterator():
        message_id, text, label = row
        if message_id is None:
            loose.append(Example(text, label))
        elif message_id not in decided:
            decided.add(message_id)
            by_message[message_id] = Example(text, label)
    return [*by_message.values(), *loose][:limit]


def _from_messages(task: str, limit: int) -> Iterator[tuple[int, Example]]:
    messages = Message.objects.order_by("-submitted_at")
    if task == "department":
        messages, label = messages.filter(state__in=ANSWERED_STATES, unit__isnull=False), "unit__code"
    elif task == "category":
        messages, label = messages.filter(state__in=REVIEWED_STATES, category__isnull=False), "category__path"
    else:
        messages, label = messages.filter(state__in=REVIEWED_STATES), "type"
    for pk, title, body, value in messages.values_list("pk", "title", "body", label)[:limit].iterator():
        yield pk, Example(f"{title}\n{body}", str(value))
