"""The domain: documents, cleaning, chunking, embedding, retrieval and cited answers."""

import os

# torch, FAISS and kiwipiepy each run their own thread pools on the same two cores. With the
# OpenMP default, idle workers spin after every FAISS search and slow the next query
# encoding by half; passive waiting hands the cores back. (Must be set before they load.)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
