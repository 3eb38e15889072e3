"""The convolutional EP network of Ernoult et al. (NeurIPS 2019), defined by Phi.

Layers: the input x (C0 x H x W), two convolutional layers of 5x5 kernels
each followed by 2x2 max pooling, and a fully connected output:

    Phi = s1 . (P(conv(x, W0)) + b0) + s2 . (P(conv(s1, W1)) + b1) + s3 . (s2 W2 + b2)

where conv is a valid cross-correlation, P is 2x2 max pooling with stride 2
and b0, b1 are per-channel biases. For MNIST-sized input, 1x28x28 gives
s1 of 32x12x12, s2 of 64x4x4 and s3 of 10 units, the paper's architecture.

Max pooling makes Phi piecewise bilinear. Its derivatives are taken with
the pooling winners (argmax) of the current state held fixed, which is exact
everywhere except on ties. States are stored channel-last, (batch, H, W, C).
"""

from __future__ import annotations

import logging

import numpy as np

from neurokit.ep.activations import get_activation
from neurokit.ep.models import LayeredModel
from neurokit.errors import DataError, SpecError

logger = logging.getLogger(__name__)

POOL = 2


def _patches(x, kernel):
    """Return the (batch * Ho * Wo, kernel * kernel * C) matrix of valid kxk patches of x (NHWC)."""
    batch, height, width, channels = x.shape
    out_h, out_w = height - kernel + 1, width - kernel + 1
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(1, 2))
    # windows: (batch, Ho, Wo, C, k, k) -> rows ordered (k, k, C) to match the weight layout.
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(batch * out_h * out_w, kernel * kernel * channels)


def conv(x, weights, kernel):
    """Valid cross-correlation of x (NHWC) with weights of shape (k * k * C_in, C_out)."""
    batch, height, width, _ = x.shape
    out_h, out_w = height - kernel + 1, width - kernel + 1
    return (_patches(x, kernel) @ weights).reshape(batch, out_h, out_w, weights.shape[1])


def conv_transpose(u, weights, kernel, in_channels):
    """Adjoint of ``conv`` with respect to its input: maps (B, Ho, Wo, C_out) to (B, H, W, C_in)."""
    batch, out_h, out_w, _ = u.shape
    columns = (u.reshape(-1, u.shape[3]) @ weights.T).reshape(batch, out_h, out_w, kernel, kernel, in_channels)
    result = np.zeros((batch, out_h + kernel - 1, out_w + kernel - 1, in_channels), dtype=u.dtype)
    for i in range(kernel):
        for j in range(kernel):
            result[:, i:i + out_h, j:j + out_w, :] += columns[:, :, :, i, j, :]
    return result


def conv_weight_grad(x, u, kernel):
    """Gradient of sum(u * conv(x, W)) with respect to W, summed over the batch."""
    return _patches(x, kernel).T @ u.reshape(-1, u.shape[3])


def _pool_windows(z):
    batch, height, width, channels = z.shape
    blocks = z.reshape(batch, height // POOL, POOL, width // POOL, POOL, channels)
    return blocks.transpose(0, 1, 3, 5, 2, 4).reshape(batch, height // POOL, width // POOL, channels, POOL * POOL)


def max_pool(z):
    """Return (pooled, winners): 2x2 max pooling of z (NHWC) and the argmax in each window."""
    windows = _pool_windows(z)
    winners = np.argmax(windows, axis=-1)[..., None]
    return np.take_along_axis(windows, winners, axis=-1)[..., 0], winners


def gather_pool(z, winners):
    """Return z at the given pooling winners: the linearization of max pooling."""
    return np.take_along_axis(_pool_windows(z), winners, axis=-1)[..., 0]


def unpool(v, winners):
    """Adjoint of ``gather_pool``: place v at the winners of each 2x2 window, zeros elsewhere."""
    batch, pooled_h, pooled_w, channels = v.shape
    windows = np.zeros((batch, pooled_h, pooled_w, channels, POOL * POOL), dtype=v.dtype)
    np.put_along_axis(windows, winners, v[..., None], axis=-1)
    blocks = windows.reshape(batch, pooled_h, pooled_w, channels, POOL, POOL).transpose(0, 1, 4, 2, 5, 3)
    return blocks.reshape(batch, pooled_h * POOL, pooled_w * POOL, channels)


class PrototypicalConvNet(LayeredModel):
    """Two conv + max-pool layers and a dense output, in the prototypical setting.

    ``input_shape`` is (height, width, channels) and ``channels`` the output
    channels of the two convolutions. With the defaults, (28, 28, 1) and
    (32, 64), this is the paper's 1x28x28 -> 32x12x12 -> 64x4x4 -> 10 network.
    """

    setting = "prototypical"

    def __init__(self, input_shape=(28, 28, 1), channels=(32, 64), n_outputs=10, kernel=5,
                 activation="hard_sigmoid", seed=0, dtype=np.float32, init_gain=1.0):
        height, width, in_channels = (int(n) for n in input_shape)
        self.kernel = int(kernel)
        self.input_shape = (height, width, in_channels)
        self.channels = tuple(int(c) for c in channels)

        shapes = []
        size_h, size_w, size_c = height, width, in_channels
        for out_channels in self.channels:
            conv_h, conv_w = size_h - self.kernel + 1, size_w - self.kernel + 1
            if conv_h < POOL or conv_w < POOL or conv_h % POOL or conv_w % POOL:
                raise SpecError(
                    f"a {self.kernel}x{self.kernel} convolution of a {size_h}x{size_w} map gives {conv_h}x{conv_w}, "
                    f"which 2x2 pooling cannot tile; choose an input size whose conv outputs are even"
                )
            size_h, size_w, size_c = conv_h // POOL, conv_w // POOL, out_channels
            shapes.append((size_h, size_w, size_c))
        self.state_shapes = shapes + [(int(n_outputs),)]
        self.sizes = [height * width * in_channels] + [int(np.prod(s)) for s in self.state_shapes]
        self.dtype = np.dtype(dtype)
        self.activation = get_activation(activation) if isinstance(activation, str) else activation

        rng = np.random.default_rng(seed)
        fan_ins = [self.kernel * self.kernel * in_channels, self.kernel * self.kernel * self.channels[0], self.sizes[2]]
        fan_outs = [self.channels[0], self.channels[1], int(n_outputs)]
        self.weights = []
        self.biases = []
        for fan_in, fan_out in zip(fan_ins, fan_outs):
            bound = init_gain / np.sqrt(fan_in)
            self.weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(self.dtype))
            self.biases.append(rng.uniform(-bound, bound, fan_out).astype(self.dtype))

    @property
    def n_layers(self):
        return 3

    def zero_state(self, batch_size):
        return [np.zeros((batch_size,) + shape, dtype=self.dtype) for shape in self.state_shapes]

    def check_input(self, x):
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 2 and x.shape[1] == self.sizes[0]:
            return x.reshape((x.shape[0],) + self.input_shape)
        if x.shape[1:] == self.input_shape:
            return x
        raise DataError(
            f"input of shape {x.shape} does not fit the conv network input {self.input_shape} "
            f"({self.sizes[0]} values per sample)"
        )

    def input_drive(self, x):
        """Return P(conv(x, W0)) + b0, the static drive of s1, once per batch."""
        pooled, _ = max_pool(conv(self.check_input(x), self.weights[0], self.kernel))
        return pooled + self.biases[0]

    def _input_winners(self, x):
        return max_pool(conv(x, self.weights[0], self.kernel))[1]

    # Phi and its derivatives ------------------------------------------

    def phi(self, x, s):
        x = self.check_input(x)
        s1, s2, s3 = s
        batch = x.shape[0]
        z1, _ = max_pool(conv(x, self.weights[0], self.kernel))
        z2, _ = max_pool(conv(s1, self.weights[1], self.kernel))
        dense = s2.reshape(batch, -1) @ self.weights[2] + self.biases[2]
        return (np.sum((s1 * (z1 + self.biases[0])).reshape(batch, -1), axis=1)
                + np.sum((s2 * (z2 + self.biases[1])).reshape(batch, -1), axis=1)
                + np.sum(s3 * dense, axis=1))

    def grad_s(self, drive, s):
        s1, s2, s3 = s
        batch = s1.shape[0]
        z2, winners = max_pool(conv(s1, self.weights[1], self.kernel))
        grad1 = drive + conv_transpose(unpool(s2, winners), self.weights[1], self.kernel, self.channels[0])
        grad2 = z2 + self.biases[1] + (s3 @ self.weights[2].T).reshape(s2.shape)
        grad3 = s2.reshape(batch, -1) @ self.weights[2] + self.biases[2]
        return [grad1, grad2, grad3]

    def hvp(self, drive, s, v):
        # Phi is bilinear once the pooling winners of conv(s1, W1) are fixed.
        v1, v2, v3 = v
        batch = v1.shape[0]
        winners = max_pool(conv(s[0], self.weights[1], self.kernel))[1]
        product1 = conv_transpose(unpool(v2, winners), self.weights[1], self.kernel, self.channels[0])
        product2 = gather_pool(conv(v1, self.weights[1], self.kernel), winners) + (v3 @ self.weights[2].T).reshape(v2.shape)
        product3 = v2.reshape(batch, -1) @ self.weights[2]
        return [product1, product2, product3]

    def grad_theta(self, x, s):
        x = self.check_input(x)
        s1, s2, s3 = s
        batch = x.shape[0]
        winners0 = self._input_winners(x)
        winners1 = max_pool(conv(s1, self.weights[1], self.kernel))[1]
        flat2 = s2.reshape(batch, -1)
        return [
            conv_weight_grad(x, unpool(s1, winners0), self.kernel) / batch,
            s1.sum(axis=(0, 1, 2)) / batch,
            conv_weight_grad(s1, unpool(s2, winners1), self.kernel) / batch,
            s2.sum(axis=(0, 1, 2)) / batch,
            flat2.T @ s3 / batch,
            s3.sum(axis=0) / batch,
        ]

    def input_param_grads(self, x, c):
        x = self.check_input(x)
        batch = x.shape[0]
        return [conv_weight_grad(x, unpool(c, self._input_winners(x)), self.kernel) / batch,
                c.sum(axis=(0, 1, 2)) / batch]

    def vjp_theta(self, x, s, g, include_input=True):
        x = self.check_input(x)
        s1, s2, s3 = s
        g1, g2, g3 = g
        batch = x.shape[0]
        winners1 = max_pool(conv(s1, self.weights[1], self.kernel))[1]
        # W1 appears in dPhi/ds1 through conv_transpose(unpool(s2)) and in
        # dPhi/ds2 through P(conv(s1)); both terms contribute.
        weight1 = (conv_weight_grad(g1, unpool(s2, winners1), self.kernel)
                   + conv_weight_grad(s1, unpool(g2, winners1), self.kernel))
        weight2 = g2.reshape(batch, -1).T @ s3 + s2.reshape(batch, -1).T @ g3
        grads = self.input_param_grads(x, g1) if include_input else [None, None]
        return grads + [
            weight1 / batch,
            g2.sum(axis=(0, 1, 2)) / batch,
            weight2 / batch,
            g3.sum(axis=0) / batch,
        ]
