"""One optimizer object that owns both of the GAN's optimizers.

Keras's trainers, `BackupAndRestore`, the JAX state that travels through a
jitted step and mixed-precision loss scaling all look at `model.optimizer`
only. `GANOptimizer` is that one object: its `variables` are its own plus the
discriminator's and the generator's optimizer variables, and `apply` routes
each gradient to the optimizer that owns its variable. Unlike
`keras.optimizers.MultiOptimizer`, it accepts a subset of the variables per
call, which is what alternating D and G updates need.
"""

import keras

from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class GANOptimizer(keras.optimizers.Optimizer):
    """Routes the discriminator's and the generator's updates.

    Args:
        d_optimizer: `keras.optimizers.Optimizer` for the discriminator.
        g_optimizer: `keras.optimizers.Optimizer` for the generator.
        name: string. Defaults to "gan_optimizer".

    Returns:
        An optimizer whose `iterations` counts generator updates.

    Examples:

    >>> opt = GANOptimizer(keras.optimizers.SGD(), keras.optimizers.SGD())
    >>> opt.d_optimizer is opt.g_optimizer
    False
    """

    def __init__(self, d_optimizer, g_optimizer, name="gan_optimizer"):
        super().__init__(learning_rate=0.0, name=name)
        if d_optimizer is g_optimizer:
            raise ValueError(
                "`d_optimizer` and `g_optimizer` should be two different "
                "optimizer objects: one object would mix the two networks' "
                "state. Create two, e.g. `keras.optimizers.Adam(2e-4, "
                "beta_1=0.5)` twice."
            )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self._d_variables = None
        self._g_variables = None

    def set_networks(self, d_variables, g_variables):
        """Declares which variables belong to which network."""
        self._d_variables = list(d_variables)
        self._g_variables = list(g_variables)
        self._d_keys = {self._var_key(v) for v in self._d_variables}

    @property
    def d_variables(self):
        """The discriminator's trainable variables (from `set_networks`)."""
        return self._d_variables

    @property
    def g_variables(self):
        """The generator's trainable variables (from `set_networks`)."""
        return self._g_variables

    def build(self, var_list):
        if self.built:
            return
        if self._d_variables is None:
            raise ValueError(
                "GANOptimizer.build() needs `set_networks()` first; it is "
                "called by `GAN.compile()`."
            )
        self.d_optimizer.build(self._d_variables)
        self.g_optimizer.build(self._g_variables)
        super().build(var_list)

    @property
    def variables(self):
        return (
            self._variables[:]
            + self.d_optimizer.variables
            + self.g_optimizer.variables
        )

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:
            raise ValueError(
                "GANOptimizer.apply() needs the variables the gradients are "
                "for."
            )
        d_pairs, g_pairs = [], []
        for grad, var in zip(grads, trainable_variables):
            target = d_pairs if self._var_key(var) in self._d_keys else g_pairs
            target.append((grad, var))
        for optimizer, pairs in (
            (self.d_optimizer, d_pairs),
            (self.g_optimizer, g_pairs),
        ):
            if pairs:
                optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
        if g_pairs:
            self._iterations.assign_add(1)

    def finalize_variable_values(self, var_list):
        d_vars = [v for v in var_list if self._var_key(v) in self._d_keys]
        g_vars = [v for v in var_list if self._var_key(v) not in self._d_keys]
        self.d_optimizer.finalize_variable_values(d_vars)
        self.g_optimizer.finalize_variable_values(g_vars)

    # The sub-optimizers are saved as children (`d_optimizer`,
    # `g_optimizer`); this object saves its own counters only.
    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = keras.ops.convert_to_numpy(variable)

    def load_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def get_config(self):
        return {
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            config[key] = keras.optimizers.deserialize(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)
