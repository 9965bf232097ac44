"""`python -m keras_gan.metrics`: see `keras_gan.metrics.cli`."""

import sys

from keras_gan.metrics.cli import main

sys.exit(main())
