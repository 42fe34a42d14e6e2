"""Corpus evaluation: how pooling changes rankings and retrieval quality.

``metrics`` (nDCG, recall, MRR, top-k overlap, Kendall's tau), ``parsing`` (queries,
documents and relevance labels from files, with line numbers in every error),
``cache`` (embeddings on disk by content hash, written atomically) and ``runner`` (rank
a corpus with original and pooled documents, and the prefetch + rerank pipeline).
"""
