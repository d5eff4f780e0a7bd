"""The discussion under an entry: comments, one-level replies, deletion and hiding."""
