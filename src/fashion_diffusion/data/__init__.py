"""Fashion-MNIST: verified idx files, the prepared arrays, and tensor conversions."""
