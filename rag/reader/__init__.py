"""The extractive reader: a span head and LoRA adapters on the shipped encoder, trained here
(``python -m eval.train_reader``), that reads a question against its best passages and gives
the answer span and how sure it is that the passage holds one.

PyTorch is imported by the modules below only, so a service with the reader off never loads
it for the reader."""

from rag.reader.read import Reader, Reading, load_reader

__all__ = ["Reader", "Reading", "load_reader"]
