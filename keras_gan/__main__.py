"""`python -m keras_gan ...`: the `keras-gan` command (see `keras_gan.cli`)."""

import sys

from keras_gan.cli import main

if __name__ == "__main__":
    sys.exit(main())
