//! syncd's one-shot pipeline: `source → render → plan → diff → apply → prune → history`.
