"""The metric functions of DOMAIN §5 on hand-made counters."""

from liuyan.rollups import metrics


def counts(**kw: int) -> dict[str, int]:
    return {**dict.fromkeys(metrics.COUNTERS, 0), **kw}


def test_it_computes_each_rate_from_its_counters() -> None:
    c = counts(
        messages=120,
        valid=100,
        replied=94,
        closed=90,
        closed_on_time=81,
        dispatched=80,
        signed_on_time=72,
        contacted_on_time=60,
        rated=50,
        satisfied=40,
        basically_satisfied=5,
        resolution_answered=40,
        resolved=30,
        reopened=47,
        returns=8,
        answered_directly=20,
        suggestions=25,
    )
    assert metrics.reply_rate(c) == 0.94
    assert metrics.closure_rate(c) == 0.9
    assert metrics.on_time_rate(c) == 0.9
    assert metrics.sign_on_time_rate(c) == 0.9
    assert metrics.response_rate(c) == 0.75
    assert metrics.resolution_rate(c) == 0.75
    assert metrics.satisfaction_rate(c) == 0.9
    assert metrics.satisfaction_rate(c, strict=True) == 0.8
    assert metrics.reopen_rate(c) == 0.5
    assert metrics.return_rate(c) == 0.1
    assert metrics.direct_answer_rate(c) == 0.2
    assert metrics.suggestion_share(c) == 0.25


def test_it_gives_none_for_an_empty_denominator() -> None:
    c = counts()
    for rate in (metrics.reply_rate, metrics.satisfaction_rate, metrics.return_rate, metrics.suggestion_share):
        assert rate(c) is None


def test_it_sums_rows_counter_by_counter() -> None:
    t = metrics.total([counts(valid=2, replied=1), counts(valid=3, replied=3)])
    assert (t["valid"], t["replied"], metrics.reply_rate(t)) == (5, 4, 0.8)
