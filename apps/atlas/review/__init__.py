"""Where atlas content meets the moderation queue: review items opened and settled on
commit (queue.py), edits that wait for a moderator (edits.py), what a reviewer sees
(snapshot.py) and how the queue's decisions act on entries, comments and suggested edits
(adapters.py)."""
