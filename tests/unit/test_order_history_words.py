"""The order history's kernel phrases read in the merchant's language (issue 13, item 1)."""

from __future__ import annotations

import pytest

from galleria.web.i18n import translations
from galleria.web.pages.order_states import timeline_reason


def _zh(reason: str) -> str:
    return timeline_reason(reason, translations("zh_CN").gettext,
                           money=lambda fen: f"¥{fen // 100}.{fen % 100:02d}",
                           method_name=lambda code: code)


@pytest.mark.parametrize(("reason", "words"), [
    ("approved automatically", "已自动审核通过"),
    ("partial refund of 350", "部分退款 ¥3.50"),
])
def test_kernel_phrases_are_translated(reason, words):
    assert _zh(reason) == words


def test_peoples_own_words_stay_as_written():
    assert _zh("客户要求周末送达") == "客户要求周末送达"
