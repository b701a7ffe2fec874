"""The base every layer stands on: the one-line error types (`errors`), safe files and checkpoints
(`artifacts`), batches (`batching`), the torch runtime of a stage (`runtime`) and dotted keys (`dotted`).
Imports nothing else of the package."""
