"""The numpy peer of `pnpm demo` (examples/notebook): cs231n's BatchNormalization notebook, every
section the demo runs, at the demo's sizes (examples/notebook/config.ts), written as cs231n's
numpy assignment code (layers, FullyConnectedNet, Solver with Adam), in one thread.

Usage: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 notebookPeer.py [DATA_DIR]
           [--only ID[,ID...]] [--full-dx]
  DATA_DIR   CIFAR-10 binary files (data_batch_*.bin, test_batch.bin); default /work/shared/data/cifar10-subset
  --only     only these sections (the demo's ids: data, bn-forward, ..., ln-limits)
  --full-dx  compute the gradient of the input images too, as cs231n's affine_backward does (the demo's
             tape does not, as the images need no gradient; off by default)
Run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE. Prints what the sections print, then
`section <id>: X.X s` per section and `total: X.X s`.

As in the demo: the trainings run in float32 (cs231n's FullyConnectedNet dtype, the demo's data
dtype) on float32 images with the training split's mean image subtracted; the checks on random data
run in float64. Train = all training records but the last 1000 (49000 on the full set), val = those
1000, test = the first 1000 test records; each training uses the first 1000 of train and of val.
Each training task reseeds with np.random.seed(231) as the demo's tasks do (the deep-nets task builds
both its models after one seed, as the notebook's cell). A run whose loss is not finite stops there,
as the demo's Solver does.
"""
import sys
import time

import numpy as np

np.seterr(over='ignore', under='ignore', invalid='ignore', divide='ignore')

SEED = 231
RECORD = 3073
F32 = np.float32

# The demo's sizes (examples/notebook/config.ts, not --quick).
DEEP = dict(hidden=[100] * 5, num_train=1000, num_val=1000, epochs=10, batch=50, lr=1e-3, ws=2e-2, print_every=20)
WSCALE = dict(hidden=[50] * 7, num_train=1000, num_val=1000, epochs=10, batch=50, lr=1e-3, num_scales=20)
BSIZE = dict(hidden=[100] * 5, num_train=1000, num_val=1000, epochs=10, lr=10 ** -3.5, ws=2e-2, batch_sizes=[5, 10, 50])
LNLIM = dict(hidden=[100] * 5, num_train=1000, num_val=1000, epochs=10, batch=50, lr=1e-3, ws=2e-2,
             deep=[100] * 15, small=[4] * 5, high_reg=1.0)
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


# --- the trainings --------------------------------------------------------------------------------

def small_data(data, num_train, num_val):
    return {'X_train': data['X_train'][:num_train], 'y_train': data['y_train'][:num_train],
            'X_val': data['X_val'][:num_val], 'y_val': data['y_val'][:num_val]}


def train(model, data, setup, batch, verbose=False, print_every=10):
    """One Solver run (Adam); returns the solver and its wall time; a non-finite loss stops it."""
    solver = Solver(model, small_data(data, setup['num_train'], setup['num_val']), num_epochs=setup['epochs'],
                    batch_size=batch, learning_rate=setup['lr'], print_every=print_every, verbose=verbose)
    t0 = time.perf_counter()
    solver.error = None
    try:
        solver.train()
    except NonFiniteLoss as e:
        solver.error = str(e)
    solver.seconds = time.perf_counter() - t0
    return solver


def summary(solver):
    tr, va = solver.train_acc_history, solver.val_acc_history
    s = f'final train acc {tr[-1]:.3f}, final val acc {va[-1]:.3f}, best val acc {solver.best_val_acc:.3f} ({solver.seconds:.2f} s)'
    return s + (f' STOPPED: {solver.error}' if solver.error else '')


# --- the sections, in the demo's order --------------------------------------------------------------

def sec_data(ctx):
    ctx['data'] = get_CIFAR10_data(ctx['dir'])
    for k, v in ctx['data'].items():
        print(f'{k}: {v.shape}')


def two_layer(N, D1, D2, D3, with_x=True):
    X = np.random.randn(N, D1) if with_x else None
    W1 = np.random.randn(D1, D2)
    W2 = np.random.randn(D2, D3)
    return X, W1, W2


def sec_bn_forward(ctx):
    np.random.seed(SEED)
    X, W1, W2 = two_layer(200, 50, 60, 3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    print('Before batch normalization:')
    print_mean_std(a, axis=0)
    print('After batch normalization (gamma=1, beta=0)')
    print_mean_std(batchnorm_forward(a, np.ones(3), np.zeros(3), {'mode': 'train'})[0], axis=0)
    gamma, beta = np.asarray([1.0, 2.0, 3.0]), np.asarray([11.0, 12.0, 13.0])
    print('After batch normalization (gamma=', gamma, ', beta=', beta, ')')
    print_mean_std(batchnorm_forward(a, gamma, beta, {'mode': 'train'})[0], axis=0)


def sec_bn_test_time(ctx):
    np.random.seed(SEED)
    N, D1, D2, D3 = 200, 50, 60, 3
    _, W1, W2 = two_layer(N, D1, D2, D3, with_x=False)
    bn_param = {'mode': 'train'}
    gamma, beta = np.ones(D3), np.zeros(D3)
    for _ in range(50):
        X = np.random.randn(N, D1)
        batchnorm_forward(np.maximum(0, X.dot(W1)).dot(W2), gamma, beta, bn_param)
    bn_param['mode'] = 'test'
    X = np.random.randn(N, D1)
    a_norm, _ = batchnorm_forward(np.maximum(0, X.dot(W1)).dot(W2), gamma, beta, bn_param)
    print('After batch normalization (test-time):')
    print_mean_std(a_norm, axis=0)


def norm_gradcheck(forward, backwards):
    np.random.seed(SEED)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.random.randn(D)
    beta = np.random.randn(D)
    dout = np.random.randn(N, D)
    param = {'mode': 'train'}
    dx_num = eval_numerical_gradient_array(lambda x_: forward(x_, gamma, beta, param)[0], x, dout)
    da_num = eval_numerical_gradient_array(lambda a: forward(x, a, beta, param)[0], gamma.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda b: forward(x, gamma, b, param)[0], beta.copy(), dout)
    _, cache = forward(x, gamma, beta, param)
    for name, backward in backwards:
        dx, dgamma, dbeta = backward(dout, cache)
        print(f'{name}: dx error: ', rel_error(dx_num, dx))
        print(f'{name}: dgamma error: ', rel_error(da_num, dgamma))
        print(f'{name}: dbeta error: ', rel_error(db_num, dbeta))


def sec_bn_gradcheck(ctx):
    # the demo checks the staged form (its tape) and the fused one (the simplified formula)
    norm_gradcheck(batchnorm_forward, [('staged', batchnorm_backward), ('alt', batchnorm_backward_alt)])


def sec_bn_backward_alt(ctx):
    np.random.seed(SEED)
    N, D = 100, 500
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.random.randn(D)
    beta = np.random.randn(D)
    dout = np.random.randn(N, D)

    def run(backward):
        t0 = time.perf_counter()
        _, cache = batchnorm_forward(x, gamma, beta, {'mode': 'train'})
        t1 = time.perf_counter()
        grads = backward(dout, cache)
        return grads, t1 - t0, time.perf_counter() - t1

    # as the demo's compareGradients: one run of each, 5 warm-up runs, 30 timed runs (alternating)
    g1, g2 = run(batchnorm_backward)[0], run(batchnorm_backward_alt)[0]
    for _ in range(5):
        run(batchnorm_backward)
        run(batchnorm_backward_alt)
    times = {'staged': [], 'alt': []}
    for i in range(30):
        for name in (('staged', 'alt') if i % 2 == 0 else ('alt', 'staged')):
            times[name].append(run(batchnorm_backward if name == 'staged' else batchnorm_backward_alt)[2])
    print('dx difference: ', rel_error(g1[0], g2[0]))
    print('dgamma difference: ', rel_error(g1[1], g2[1]))
    print('dbeta difference: ', rel_error(g1[2], g2[2]))
    staged, alt = np.median(times['staged']), np.median(times['alt'])
    print('speedup: %.2fx (backward medians: staged %.3f ms, alt %.3f ms)' % (staged / alt, 1e3 * staged, 1e3 * alt))


def sec_fc_gradcheck(ctx):
    np.random.seed(SEED)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for reg in [0, 3.14]:
        print('Running check with reg = ', reg)
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                                  dtype=np.float64, normalization='batchnorm')
        loss, grads = model.loss(X, y)
        print('Initial loss: ', loss)
        for name in sorted(grads):
            grad_num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], h=1e-5)
            print('%s relative error: %.2e' % (name, rel_error(grad_num, grads[name])))
        if reg == 0:
            print()


def sec_deep_nets(ctx):
    s = DEEP
    np.random.seed(SEED)
    bn_model = FullyConnectedNet(s['hidden'], weight_scale=s['ws'], normalization='batchnorm')
    model = FullyConnectedNet(s['hidden'], weight_scale=s['ws'], normalization=None)
    print('Solver with batch norm:')
    bn = train(bn_model, ctx['data'], s, s['batch'], verbose=True, print_every=s['print_every'])
    print('\nSolver without batch norm:')
    bl = train(model, ctx['data'], s, s['batch'], verbose=True, print_every=s['print_every'])
    print(f'batchnorm: {summary(bn)}')
    print(f'baseline:  {summary(bl)}')


def sec_weight_scale(ctx):
    s = WSCALE
    scales = np.logspace(-4, 0, num=s['num_scales'])
    for i, ws in enumerate(scales):
        print('Running weight scale %d / %d' % (i + 1, len(scales)))
        res = []
        for norm in ('batchnorm', None):
            np.random.seed(SEED)
            model = FullyConnectedNet(s['hidden'], weight_scale=ws, normalization=norm)
            res.append(train(model, ctx['data'], s, s['batch']))
        for name, r in zip(('batchnorm', 'baseline '), res):
            print(f'  ws {ws:.2e} {name}: best train acc {max(r.train_acc_history):.3f}, best val acc '
                  f'{max(r.val_acc_history):.3f}, final loss {np.mean(r.loss_history[-100:]):.3f} ({r.seconds:.2f} s)'
                  + (f' STOPPED: {r.error}' if r.error else ''))


def batch_size_experiment(ctx, mode):
    s = BSIZE
    sizes = s['batch_sizes']
    np.random.seed(SEED)
    print('No normalization: batch size = ', sizes[0])
    bl = train(FullyConnectedNet(s['hidden'], weight_scale=s['ws'], normalization=None), ctx['data'], s, sizes[0])
    print(f'  {summary(bl)}')
    for b in sizes:
        np.random.seed(SEED)
        print('Normalization: batch size = ', b)
        r = train(FullyConnectedNet(s['hidden'], weight_scale=s['ws'], normalization=mode), ctx['data'], s, b)
        print(f'  {summary(r)}')


def sec_batch_size_bn(ctx):
    batch_size_experiment(ctx, 'batchnorm')


def sec_batch_size_ln(ctx):
    batch_size_experiment(ctx, 'layernorm')


def sec_norm_analogies(ctx):
    n = 100
    X = ctx['data']['X_train'][:n].astype(np.float64)
    X = X - X.min() + 1
    threshold = np.sort(X, axis=None)[X.size >> 1]
    steps = [
        lambda A: A / A.sum(axis=(1, 3), keepdims=True),   # each pixel row's RGB values sum to 1
        lambda A: A / A.sum(axis=(1, 2, 3), keepdims=True),  # each image's values sum to 1
        lambda A: A - A.mean(axis=0),                        # the mean image subtracted
        lambda A: (A > threshold).astype(np.float64),        # thresholded to 0 / 1
    ]
    for k, f in enumerate(steps):
        base = f(X)[0, 0, 5, 7]
        other_image = X.copy()
        other_image[1] *= 1.5
        other_feature = X.copy()
        other_feature[0, 1, 5, 20] += 50
        across = f(other_image)[0, 0, 5, 7] != base
        within = f(other_feature)[0, 0, 5, 7] != base
        kind = ('both' if within else 'batchnorm') if across else ('layernorm' if within else 'neither')
        print(f"{k + 1}. output moves with another image: {'yes' if across else 'no '}  with another feature of the same "
              f"image: {'yes' if within else 'no '}  -> {kind}")


def sec_ln_forward(ctx):
    np.random.seed(SEED)
    X, W1, W2 = two_layer(4, 50, 60, 3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    print('Before layer normalization:')
    print_mean_std(a, axis=1)
    print('After layer normalization (gamma=1, beta=0)')
    print_mean_std(layernorm_forward(a, np.ones(3), np.zeros(3), {})[0], axis=1)
    gamma, beta = np.asarray([3.0, 3.0, 3.0]), np.asarray([5.0, 5.0, 5.0])
    print('After layer normalization (gamma=', gamma, ', beta=', beta, ')')
    print_mean_std(layernorm_forward(a, gamma, beta, {})[0], axis=1)


def sec_ln_gradcheck(ctx):
    norm_gradcheck(layernorm_forward, [('alt', layernorm_backward)])


def sec_ln_limits(ctx):
    s = LNLIM
    cases = [('reference', {}), ('deep', {'hidden': s['deep']}), ('small', {'hidden': s['small']}),
             ('reg', {'reg': s['high_reg']})]
    print('case        final train acc: layernorm  no norm   gain    best val acc: layernorm  no norm   seconds')
    for name, over in cases:
        res = []
        for norm in ('layernorm', None):
            np.random.seed(SEED)
            model = FullyConnectedNet(over.get('hidden', s['hidden']), weight_scale=s['ws'], normalization=norm,
                                      reg=over.get('reg', 0.0))
            res.append(train(model, ctx['data'], s, s['batch']))
        ln, bl = res
        a, b = ln.train_acc_history[-1], bl.train_acc_history[-1]
        print(f'{name:<11} {"":17}{a:9.3f}  {b:7.3f}  {a - b:+.3f}{"":15}{ln.best_val_acc:9.3f}  {bl.best_val_acc:7.3f}'
              f'   {ln.seconds:.2f} + {bl.seconds:.2f}' + ''.join(f' STOPPED: {r.error}' for r in res if r.error))


SECTIONS = [
    ('data', sec_data), ('bn-forward', sec_bn_forward), ('bn-test-time', sec_bn_test_time),
    ('bn-gradcheck', sec_bn_gradcheck), ('bn-backward-alt', sec_bn_backward_alt), ('fc-gradcheck', sec_fc_gradcheck),
    ('deep-nets', sec_deep_nets), ('weight-scale', sec_weight_scale), ('batch-size-bn', sec_batch_size_bn),
    ('norm-analogies', sec_norm_analogies), ('ln-forward', sec_ln_forward), ('ln-gradcheck', sec_ln_gradcheck),
    ('batch-size-ln', sec_batch_size_ln), ('ln-limits', sec_ln_limits),
]
NEEDS_DATA = {'deep-nets', 'weight-scale', 'batch-size-bn', 'norm-analogies', 'batch-size-ln', 'ln-limits'}


def main(argv):
    global FULL_DX
    data_dir, only = '/work/shared/data/cifar10-subset', None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == '--only':
            only = args.pop(0).split(',')
        elif a == '--full-dx':
            FULL_DX = True
        elif a.startswith('-'):
            raise SystemExit(__doc__)
        else:
            data_dir = a
    ids = [i for i, _ in SECTIONS]
    if only is not None:
        unknown = [i for i in only if i not in ids]
        if unknown:
            raise SystemExit(f'--only: unknown section {", ".join(unknown)} (sections: {", ".join(ids)})')
        if any(i in NEEDS_DATA for i in only) and 'data' not in only:
            only = ['data'] + only
    ctx = {'dir': data_dir}
    seconds = []
    t0 = time.perf_counter()
    for sid, run in SECTIONS:
        if only is not None and sid not in only:
            continue
        print(f'\n=== {sid} ===', flush=True)
        s0 = time.perf_counter()
        run(ctx)
        seconds.append((sid, time.perf_counter() - s0))
        sys.stdout.flush()
    total = time.perf_counter() - t0
    print(f'\nnumpy {np.__version__}, python {sys.version.split()[0]}, full dx: {FULL_DX}')
    for sid, s in seconds:
        print(f'section {sid}: {s:.1f} s')
    print(f'total: {total:.1f} s')


if __name__ == '__main__':
    main(sys.argv[1:])
