"""Order review (审单): seven switchable rules and the manual review queue.

`plugin.py` holds the hook implementations; `rules.py` the rules and `address.py` the
address checks they use (with `postal_cn.py`, the one table of Chinese postal-code
prefixes); `settings.py` the per-shop settings; `queue_pages.py` and `notes.py` the review
queue in the console.
"""
