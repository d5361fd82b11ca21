"""cs231n's numpy assignment code as notebookPeer.py runs it: the layers (cs231n/layers.py),
FullyConnectedNet (cs231n/classifiers/fc_net.py), Adam and the Solver (cs231n/optim.py, solver.py),
the numerical gradients (cs231n/gradient_check.py) and get_CIFAR10_data on the binary files, as
@tapegrad/data splits them. Set FULL_DX to True for the gradient of the input images too (--full-dx).
"""
import numpy as np

RECORD = 3073
F32 = np.float32
FULL_DX = False


# --- layers (cs231n/layers.py) ------------------------------------------------------------------

def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w)


def affine_backward(dout, cache, need_dx=True):
    x, w = cache
    dx = dout.dot(w.T).reshape(x.shape) if need_dx else None
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, x):
    return dout * (x > 0)


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))
    cache = None
    if mode == 'train':
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        std = np.sqrt(var + eps)
        x_hat = (x - mu) / std
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (x, x_hat, mu, var, std, gamma)
    else:
        out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta
    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """The staged backward: through every node of the forward's graph."""
    x, x_hat, mu, var, std, gamma = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    xmu = x - mu
    divar = (dx_hat * xmu).sum(axis=0)
    dxmu1 = dx_hat / std
    dstd = -divar / std ** 2
    dvar = 0.5 / std * dstd
    dsq = np.ones_like(x) / N * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=0)
    dx2 = np.ones_like(x) / N * dmu
    return dx1 + dx2, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """The simplified backward (the one the networks use)."""
    x, x_hat, mu, var, std, gamma = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (1.0 / N) / std * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get('eps', 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    out = gamma * x_hat + beta
    return out, (x_hat, std, gamma)


def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache
    D = x_hat.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (1.0 / D) / std * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                            - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted), axis=1, keepdims=True)
    log_probs = shifted - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


# --- cs231n/classifiers/fc_net.py ---------------------------------------------------------------

class FullyConnectedNet:
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, normalization=None, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32):
        self.normalization = normalization
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for l in range(1, self.num_layers + 1):
            self.params[f'W{l}'] = weight_scale * np.random.randn(dims[l - 1], dims[l])
            self.params[f'b{l}'] = np.zeros(dims[l])
            if normalization is not None and l < self.num_layers:
                self.params[f'gamma{l}'] = np.ones(dims[l])
                self.params[f'beta{l}'] = np.zeros(dims[l])
        self.bn_params = [{'mode': 'train'} for _ in range(self.num_layers - 1)] if normalization == 'batchnorm' else []
        self.ln_params = [{} for _ in range(self.num_layers - 1)] if normalization == 'layernorm' else []
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype, copy=False)
        mode = 'test' if y is None else 'train'
        for bn_param in self.bn_params:
            bn_param['mode'] = mode
        p, L = self.params, self.num_layers
        caches = []
        h = X
        for l in range(1, L):
            a, fc_cache = affine_forward(h, p[f'W{l}'], p[f'b{l}'])
            norm_cache = None
            if self.normalization == 'batchnorm':
                a, norm_cache = batchnorm_forward(a, p[f'gamma{l}'], p[f'beta{l}'], self.bn_params[l - 1])
            elif self.normalization == 'layernorm':
                a, norm_cache = layernorm_forward(a, p[f'gamma{l}'], p[f'beta{l}'], self.ln_params[l - 1])
            h, relu_cache = relu_forward(a)
            caches.append((fc_cache, norm_cache, relu_cache))
        scores, last_cache = affine_forward(h, p[f'W{L}'], p[f'b{L}'])
        if mode == 'test':
            return scores

        grads = {}
        loss, dscores = softmax_loss(scores, y)
        dh, grads[f'W{L}'], grads[f'b{L}'] = affine_backward(dscores, last_cache)
        for l in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache = caches[l - 1]
            da = relu_backward(dh, relu_cache)
            if self.normalization == 'batchnorm':
                da, grads[f'gamma{l}'], grads[f'beta{l}'] = batchnorm_backward_alt(da, norm_cache)
            elif self.normalization == 'layernorm':
                da, grads[f'gamma{l}'], grads[f'beta{l}'] = layernorm_backward(da, norm_cache)
            dh, grads[f'W{l}'], grads[f'b{l}'] = affine_backward(da, fc_cache, need_dx=(l > 1 or FULL_DX))
        if self.reg:
            for l in range(1, L + 1):
                W = p[f'W{l}']
                loss += 0.5 * self.reg * np.sum(W * W)
                grads[f'W{l}'] += self.reg * W
        return loss, grads


# --- cs231n/optim.py and cs231n/solver.py -------------------------------------------------------

def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('m', np.zeros_like(w))
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('t', 0)
    b1, b2, t = config['beta1'], config['beta2'], config['t'] + 1
    config['t'] = t
    config['m'] = b1 * config['m'] + (1 - b1) * dw
    config['v'] = b2 * config['v'] + (1 - b2) * (dw * dw)
    mt = config['m'] / (1 - b1 ** t)
    vt = config['v'] / (1 - b2 ** t)
    next_w = w - config['learning_rate'] * mt / (np.sqrt(vt) + config['epsilon'])
    return next_w, config


class NonFiniteLoss(Exception):
    pass


class Solver:
    def __init__(self, model, data, num_epochs=10, batch_size=100, learning_rate=1e-3, lr_decay=1.0,
                 num_train_samples=1000, num_val_samples=None, print_every=10, verbose=True):
        self.model = model
        self.X_train, self.y_train = data['X_train'], data['y_train']
        self.X_val, self.y_val = data['X_val'], data['y_val']
        self.num_epochs, self.batch_size, self.lr_decay = num_epochs, batch_size, lr_decay
        self.num_train_samples, self.num_val_samples = num_train_samples, num_val_samples
        self.print_every, self.verbose = print_every, verbose
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history, self.train_acc_history, self.val_acc_history = [], [], []
        self.optim_configs = {p: {'learning_rate': learning_rate} for p in model.params}

    def _step(self):
        num_train = self.X_train.shape[0]
        mask = np.random.choice(num_train, self.batch_size)
        loss, grads = self.model.loss(self.X_train[mask], self.y_train[mask])
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            next_w, self.optim_configs[p] = adam(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
        return loss

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N, X, y = num_samples, X[mask], y[mask]
        num_batches = N // batch_size + (1 if N % batch_size else 0)
        y_pred = []
        for i in range(num_batches):
            scores = self.model.loss(X[i * batch_size:(i + 1) * batch_size])
            y_pred.append(np.argmax(scores, axis=1))
        return float(np.mean(np.hstack(y_pred) == y))

    def train(self):
        num_train = self.X_train.shape[0]
        per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * per_epoch
        for t in range(num_iterations):
            loss = self._step()
            if not np.isfinite(loss):
                raise NonFiniteLoss(f'non-finite loss {loss} at iteration {t + 1}')
            if self.verbose and t % self.print_every == 0:
                print('(Iteration %d / %d) loss: %f' % (t + 1, num_iterations, self.loss_history[-1]))
            epoch_end = (t + 1) % per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for k in self.optim_configs:
                    self.optim_configs[k]['learning_rate'] *= self.lr_decay
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                if self.verbose:
                    print('(Epoch %d / %d) train acc: %f; val_acc: %f' % (self.epoch, self.num_epochs, train_acc, val_acc))
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.best_params:
            self.model.params = self.best_params


# --- cs231n/gradient_check.py -------------------------------------------------------------------

def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = f(x).copy()
        x[ix] = old - h
        neg = f(x).copy()
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def rel_error(x, y):
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def print_mean_std(x, axis=0):
    print(f'  means: {x.mean(axis=axis)}')
    print(f'  stds:  {x.std(axis=axis)}\n')


# --- data (cs231n's get_CIFAR10_data on the binary files, as @tapegrad/data splits them) --------

def read_records(path):
    raw = np.fromfile(path, dtype=np.uint8)
    raw = raw[: (raw.size // RECORD) * RECORD].reshape(-1, RECORD)
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)


def get_CIFAR10_data(data_dir):
    import os
    parts = [read_records(os.path.join(data_dir, f'data_batch_{i}.bin'))
             for i in range(1, 6) if os.path.exists(os.path.join(data_dir, f'data_batch_{i}.bin'))]
    X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    Xt, yt = read_records(os.path.join(data_dir, 'test_batch.bin'))
    num_val = 1000
    num_training = 49000 if X.shape[0] >= 50000 else X.shape[0] - num_val
    num_test = min(1000, Xt.shape[0])
    X_train = X[:num_training].astype(np.float64)
    X_val = X[num_training:num_training + num_val].astype(np.float64)
    X_test = Xt[:num_test].astype(np.float64)
    mean_image = X_train.mean(axis=0)
    return {
        'X_train': (X_train - mean_image).astype(F32), 'y_train': y[:num_training],
        'X_val': (X_val - mean_image).astype(F32), 'y_val': y[num_training:num_training + num_val],
        'X_test': (X_test - mean_image).astype(F32), 'y_test': yt[:num_test],
    }
