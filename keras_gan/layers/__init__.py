"""GAN building blocks, written with `keras.ops` only."""
