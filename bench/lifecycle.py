"""Cost of lifecycle actions: drives messages through the whole loop and reports per-action latency."""

import contextlib
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any


def run(messages: int = 300) -> dict[str, Any]:
    from liuyan.messages import actions as a
    from liuyan.messages.models import Satisfaction
    from tests.world import build_world, submit

    world = build_world()
    timings: dict[str, list[float]] = defaultdict(list)

    @contextlib.contextmanager
    def timed(name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        timings[name].append((time.perf_counter() - start) * 1000)

    begin = time.perf_counter()
    for i in range(messages):
        with timed("submit"):
            m = submit(world, title=f"电梯故障第{i}号").message
        with timed("accept"):
            a.do_accept(world.actor("reviewer"), m)
        with timed("dispatch"):
            a.do_dispatch(world.actor("dispatcher"), m, unit=world.a_housing)
        with timed("sign"):
            a.do_sign(world.actor("handler"), m)
        with timed("record_contact"):
            a.do_record_contact(world.actor("handler"), m, summary="电话联系")
        with timed("submit_reply"):
            a.do_submit_reply(world.actor("handler"), m, body="已处理")
        with timed("approve_reply"):
            a.do_approve_reply(world.actor("unit_head"), m)
        with timed("rate (+ auto close)"):
            a.do_rate(world.actor("citizen"), m, satisfaction=Satisfaction.SATISFIED, resolved=True)
    elapsed = time.perf_counter() - begin
    per_action = {
        name: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(statistics.quantiles(v, n=20)[18], 2)}
        for name, v in timings.items()
    }
    return {"messages": messages, "full_loops_per_s": round(messages / elapsed, 1), "actions": per_action}
