"""Architecture builders returning (generator, discriminator)."""
