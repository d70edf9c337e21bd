"""Chinese full-text search of the public message text: CJK bigram tokens, indexed by FTS5 or tsvector + GIN."""
