"""The numpy peer of `pnpm demo` (examples/notebook): cs231n's BatchNormalization notebook, every
section the demo runs, at the demo's sizes (examples/notebook/config.ts), written as cs231n's
numpy assignment code (layers, FullyConnectedNet, Solver with Adam: cs231nPeer.py), in one thread.

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

import cs231nPeer
from cs231nPeer import (
    FullyConnectedNet, NonFiniteLoss, Solver, batchnorm_backward, batchnorm_backward_alt, batchnorm_forward,
    eval_numerical_gradient, eval_numerical_gradient_array, get_CIFAR10_data, layernorm_backward, layernorm_forward,
    print_mean_std, rel_error,
)

np.seterr(over='ignore', under='ignore', invalid='ignore', divide='ignore')

SEED = 231

# The demo's sizes (examples/notebook/config.ts, not --quick).
DEEP = dict(hidden=[100] * 5, num_train=1000, num_val=1000, epochs=10, batch=50, lr=1e-3, ws=2e-2, print_every=20)
WSCALE = dict(hidden=[50] * 7, num_train=1000, num_val=1000, epochs=10, batch=50, lr=1e-3, num_scales=20)
BSIZE = dict(hidden=[100] * 5, num_train=1000, num_val=1000, epochs=10, lr=10 ** -3.5, ws=2e-2, batch_sizes=[5, 10, 50])
LNLIM = dict(hidden=[100] * 5, num_train=1000, num_val=1000, epochs=10, batch=50, lr=1e-3, ws=2e-2,
             deep=[100] * 15, small=[4] * 5, high_reg=1.0)


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
    data_dir, only = '/work/shared/data/cifar10-subset', None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == '--only':
            only = args.pop(0).split(',')
        elif a == '--full-dx':
            cs231nPeer.FULL_DX = True
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
    print(f'\nnumpy {np.__version__}, python {sys.version.split()[0]}, full dx: {cs231nPeer.FULL_DX}')
    for sid, s in seconds:
        print(f'section {sid}: {s:.1f} s')
    print(f'total: {total:.1f} s')


if __name__ == '__main__':
    main(sys.argv[1:])
