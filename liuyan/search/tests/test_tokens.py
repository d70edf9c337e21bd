"""The tokenizer and query parser: CJK bigrams, normalisation, phrases, prefixes and refused queries."""

import pytest

from liuyan.common.errors import InvalidInput
from liuyan.search.index import fts5_query, postgres_document, sqlite_document, tsquery
from liuyan.search.tokens import WORD_MAX, Phrase, Query, parse_query, phrase_of, tokens


def test_it_splits_a_cjk_run_into_overlapping_bigrams_and_its_last_character():
    assert tokens("电梯坏了") == ["电梯", "梯坏", "坏了", "了"]


def test_it_makes_a_one_character_run_a_single_token():
    assert tokens("水") == ["水"]
    assert tokens("停 水") == ["停", "水"]


def test_it_turns_full_width_digits_and_letters_into_half_width_lower_case():
    assert tokens("１２３４５ＡＢＣ") == ["12345abc"]
    assert tokens("ＷｉＦｉ信号") == tokens("wifi信号") == ["wifi", "信号", "号"]


def test_it_keeps_letter_and_digit_runs_whole_between_cjk_runs():
    assert tokens("A1区幸福小区3号楼") == ["a1", "区幸", "幸福", "福小", "小区", "区", "3", "号楼", "楼"]


def test_it_treats_kana_and_hangul_like_han():
    assert tokens("カード") == ["カー", "ード", "ド"]
    assert tokens("한국") == ["한국", "국"]


def test_it_separates_runs_at_punctuation_symbols_and_emoji():
    assert tokens("电梯，坏了！😡😡") == ["电梯", "梯", "坏了", "了"]
    assert tokens("中・日") == ["中", "日"]  # the katakana middle dot is punctuation
    assert tokens("under_score") == ["under", "score"]


def test_it_finds_no_tokens_in_punctuation_and_emoji_only():
    assert tokens("！？。……😀🎉 ~~~") == []


def test_it_cuts_very_long_words():
    assert tokens("a" * 200 + " 电梯") == ["a" * WORD_MAX, "电梯", "梯"]


def test_it_tokenises_a_very_long_text_one_token_per_cjk_character():
    body = "电梯坏了两个月物业不修" * 1000  # 11,000 characters, one run
    out = tokens(body)
    assert len(out) == len(body)
    assert out[-1] == "修"


def test_it_leaves_the_digits_of_masked_numbers_as_separate_words():
    assert tokens("电话138****5678") == ["电话", "话", "138", "5678"]


# ---------------------------------------------------------------------------------------------------------------
# Queries


def test_it_reads_a_query_phrase_without_the_trailing_unigram():
    # The document's run may go on after 电梯坏 (电梯坏了): only the bigrams must be adjacent.
    assert phrase_of("电梯坏") == Phrase(("电梯", "梯坏"))


def test_it_keeps_the_unigram_of_a_cjk_run_followed_by_more_of_the_phrase():
    # In a document, 小区 followed by 3 is 小区 区 3: the run's unigram sits between them.
    assert phrase_of("小区3号") == Phrase(("小区", "区", "3", "号"), prefix=True)
    assert phrase_of("区a1") == Phrase(("区", "a1"))


def test_it_makes_a_one_character_cjk_phrase_a_prefix_query():
    assert phrase_of("水") == Phrase(("水",), prefix=True)
    assert phrase_of("Ｗ") == Phrase(("w",))  # letters are whole words, not prefixes


def test_it_splits_the_query_on_whitespace_into_anded_phrases():
    query = parse_query("  电梯　坏了 电梯 ")  # full-width space too; a repeated phrase counts once
    assert query == Query((Phrase(("电梯",)), Phrase(("坏了",))))


def test_it_skips_pieces_without_words_when_others_have_some():
    assert parse_query("电梯 ！！ 😡") == Query((Phrase(("电梯",)),))


@pytest.mark.parametrize("text", ["", "   ", None, "！？。", "😀🎉", "—— …… ~~", "_"])
def test_it_refuses_a_query_with_nothing_to_search_for(text):
    with pytest.raises(InvalidInput) as caught:
        parse_query(text)
    assert caught.value.code == "invalid_search"
    assert "搜索" in caught.value.zh and "search" in caught.value.en


def test_it_refuses_a_query_longer_than_100_characters():
    parse_query("电" * 100)
    with pytest.raises(InvalidInput) as caught:
        parse_query("电" * 101)
    assert caught.value.code == "invalid_search"
    assert caught.value.details == {"max_chars": 100}


def test_it_refuses_more_than_ten_phrases():
    parse_query(" ".join("电梯" for _ in range(10)))
    with pytest.raises(InvalidInput) as caught:
        parse_query(" ".join(f"词{i}" for i in range(11)))
    assert caught.value.code == "invalid_search"


# ---------------------------------------------------------------------------------------------------------------
# The backends' query and document languages


def test_it_writes_fts5_phrases_quoted_with_a_trailing_star_for_prefixes():
    assert fts5_query(parse_query("电梯坏 水")) == '"电梯 梯坏" AND "水"*'


def test_it_writes_tsquery_phrases_with_followed_by_and_prefix_marks():
    assert tsquery(parse_query("电梯坏 A1区")) == "('电梯' <-> '梯坏') & ('a1' <-> '区':*)"


def test_it_escapes_quotes_and_backslashes_in_both_query_languages():
    query = Query((Phrase(('a"b', "c'd", "e\\f"), prefix=True),))
    assert fts5_query(query) == '"a""b c\'d e\\f"*'
    assert tsquery(query) == "('a\"b' <-> 'c''d' <-> 'e\\\\f':*)"


def test_it_keeps_title_and_body_apart_in_both_documents():
    assert sqlite_document("电梯", "坏了") == ("电梯 梯", "坏了 了")
    # Title at 1–2, body from 4: a gap, so 梯 (2) and 坏了 (4) are not adjacent.
    assert postgres_document("电梯", "坏了坏了") == "'电梯':1 '梯':2 '坏了':4,6 '了坏':5 '了':7"


def test_it_keeps_the_first_256_positions_of_a_lexeme_in_a_tsvector_like_postgresql():
    doc = postgres_document("", "啊" * 600)
    repeated = doc.split(" ")[0]
    assert repeated.startswith("'啊啊':2,3,4,") and repeated.count(",") == 255
