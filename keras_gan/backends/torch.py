"""PyTorch driver: `loss.backward()`, then `optimizer.apply`."""

import contextlib

import keras
import torch

from keras_gan import _distributed
from keras_gan import _step


def _is_weight(tensor):
    """A variable's storage (a Parameter) or a view of it."""
    base = tensor if tensor._base is None else tensor._base
    return isinstance(base, torch.nn.Parameter)


def _pack(tensor):
    # A layer may write its own weights in place during the forward pass
    # (SpectralNormalization stores W / sigma at every call); a second
    # call of the network in the same loss (reals, then fakes) would then
    # invalidate the weights autograd saved from the first. Saving a copy
    # keeps the values each call used, as TensorFlow's tape and JAX do.
    if _is_weight(tensor):
        return tensor.clone()
    return tensor


def _unpack(tensor):
    return tensor


def _writes_weights_in_call(gan):
    """Whether a layer of G or D assigns its own weights when called."""
    return any(
        isinstance(layer, keras.layers.SpectralNormalization)
        for network in (gan.generator, gan.discriminator)
        for layer in network._flatten_layers()
    )


class Driver:
    def __init__(self, gan, copy_saved_weights):
        self.gan = gan
        self.copy_saved_weights = copy_saved_weights

    def minimize(self, loss_fn, variables):
        hooks = (
            torch.autograd.graph.saved_tensors_hooks(_pack, _unpack)
            if self.copy_saved_weights
            else contextlib.nullcontext()
        )
        with hooks:
            loss, logs = loss_fn()
        # Clear every leftover gradient: the other network's weights also
        # collect gradients in a phase (through D in the G phase).
        for network_variables in self.gan._phase_variables:
            for v in network_variables:
                v.value.grad = None
        self.gan.optimizer.scale_loss(loss).backward()
        grads = _distributed.average_gradients(
            [v.value.grad for v in variables]
        )
        with torch.no_grad():
            self.gan.optimizer.apply(grads, variables)
        return {k: v.detach() for k, v in logs.items()}

    def run(self, fn):
        with torch.no_grad():
            return fn()

    def input_gradients(self, fn, x):
        x = x.detach().requires_grad_(True)
        y = torch.sum(fn(x).float())
        (grad,) = torch.autograd.grad(y, x, create_graph=True)
        return grad


class TorchTrainer:
    """`train_step(data)` for Keras's PyTorch trainer."""

    _replicas_in_sync = False
    _copy_saved_weights = None

    def train_step(self, data):
        if self._copy_saved_weights is None:
            # Copies cost memory and time: only when a layer needs them.
            self._copy_saved_weights = _writes_weights_in_call(self)
        if not self._replicas_in_sync:
            # torch.distributed: every process starts from rank 0's state.
            _distributed.broadcast_from_first(
                self.trainable_variables
                + self.non_trainable_variables
                + [self.seed_generator.state]
            )
            self._replicas_in_sync = True
        return _step.train_step(
            self, data, Driver(self, self._copy_saved_weights)
        )
