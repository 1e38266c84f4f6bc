from galleria.kernel.catalog.search import index_terms, query_terms


def test_cjk_runs_give_characters_and_bigrams():
    assert index_terms("纯牛奶") == {"纯", "牛", "奶", "纯牛", "牛奶"}


def test_mixed_words_are_split_into_letters_and_digits():
    assert {"250ml", "250", "ml"} <= index_terms("牛奶250ML")


def test_fullwidth_and_case_are_normalised():
    assert "tv" in index_terms("ＴＶ") and "tv" in index_terms("TV")


def test_queries_need_every_bigram_or_the_single_character():
    assert query_terms("牛奶") == ({"牛奶"}, set())
    assert query_terms("奶") == ({"奶"}, set())
    assert query_terms("纯牛奶 1L") == ({"纯牛", "牛奶"}, {"1l"})
