"""The Python peers of bench/src/training.ts: PyTorch (CPU, one thread) and a numpy port of the
same training step, timed the way the TypeScript side times itself.

Usage: python3 trainingPeer.py IMPL WORKLOAD BUDGET_S [GEMMS_JSON]   (IMPL: torch-1t | numpy-1t, or
torch-1t-gemm | numpy-1t-gemm: only the matrix products of one W1-W3 step, the list given as JSON by
training.ts from stepGemms.ts; see step_gemms)
Prints one JSON object: {"impl", "workload", "metric", "cases": [{"case", "times": [seconds...]}], "rss_kb", "version"}.
Run it with OPENBLAS_NUM_THREADS=1 and without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE.
"""
import json
import resource
import sys
import time

import numpy as np

IMPL, WORKLOAD, BUDGET = sys.argv[1], sys.argv[2], float(sys.argv[3])
WORKLOADS = {
    "W1": dict(batch=50, hidden=100, dtype="float32"),
    "W2": dict(batch=500, hidden=1000, dtype="float32"),
    "W3": dict(batch=50, hidden=100, dtype="float64"),
}
LAYERS, INPUT, CLASSES, LR = 5, 3072, 10, 1e-3
# W4: cs231n's ThreeLayerConvNet (conv F filters KxK 'same' - relu - 2x2 max pool - affine - relu - affine)
CONV = dict(batch=50, channels=3, size=32, filters=32, kernel=7, hidden=100)
# M3: BatchNorm2d and GroupNorm (8 groups) forward + backward at this shape, float32, train mode
M3_SHAPE, M3_GROUPS = (50, 32, 16, 16), 8


def timed(step, budget, warmup=5, min_runs=3, max_runs=100000):
    """Runs `step` `warmup` times, then until `budget` seconds have passed (at least min_runs times)."""
    for _ in range(warmup):
        step()
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def batches(rng, batch, dtype, count=10):
    return [(rng.standard_normal((batch, INPUT)).astype(dtype), rng.integers(0, CLASSES, batch)) for _ in range(count)]


# --- PyTorch ------------------------------------------------------------------------------------

def torch_training(cfg):
    import torch
    torch.set_num_threads(1)
    dtype = getattr(torch, cfg["dtype"])
    torch.manual_seed(0)
    dims = [INPUT] + [cfg["hidden"]] * LAYERS
    layers = []
    for i in range(LAYERS):
        layers += [torch.nn.Linear(dims[i], dims[i + 1]), torch.nn.BatchNorm1d(dims[i + 1]), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(cfg["hidden"], CLASSES))
    model = torch.nn.Sequential(*layers).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches(np.random.default_rng(0), cfg["batch"], cfg["dtype"])]
    state = {"i": 0}

    def step():
        x, y = data[state["i"] % len(data)]
        state["i"] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return [{"case": "step", "times": timed(step, BUDGET)}], torch.__version__


def torch_gemm():
    import torch
    torch.set_num_threads(1)
    cases = []
    for dtype in ("float32", "float64"):
        for m, k, n in ((50, 3072, 100), (500, 3072, 1000)):
            a = torch.randn(m, k, dtype=getattr(torch, dtype)); at = a.t().contiguous().t()
            b = torch.randn(k, n, dtype=getattr(torch, dtype)); bt = b.t().contiguous().t()
            c = torch.empty(m, n, dtype=getattr(torch, dtype))
            for form, x, y in (("A·B", a, b), ("Aᵀ·B", at, b), ("A·Bᵀ", a, bt)):
                times = timed(lambda: torch.matmul(x, y, out=c), BUDGET / 12)
                cases.append({"case": f"{dtype} {m}×{k}×{n} {form}", "times": times, "flops": 2 * m * n * k})
    return cases, torch.__version__


def torch_batchnorm():
    import torch
    torch.set_num_threads(1)
    x = torch.randn(100, 500, dtype=torch.float64, requires_grad=True)
    bn = torch.nn.BatchNorm1d(500).to(torch.float64)
    dy = torch.randn(100, 500, dtype=torch.float64)

    def step():
        x.grad = None
        bn(x).backward(dy)

    return [{"case": "forward+backward", "times": timed(step, BUDGET)}], torch.__version__


def torch_conv_training():
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    c = CONV
    model = torch.nn.Sequential(
        torch.nn.Conv2d(c["channels"], c["filters"], c["kernel"], padding=c["kernel"] // 2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(c["filters"] * (c["size"] // 2) ** 2, c["hidden"]), torch.nn.ReLU(),
        torch.nn.Linear(c["hidden"], CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    data = [(torch.from_numpy(rng.standard_normal((c["batch"], c["channels"], c["size"], c["size"])).astype("float32")),
             torch.from_numpy(rng.integers(0, CLASSES, c["batch"]))) for _ in range(10)]
    state = {"i": 0}

    def step():
        x, y = data[state["i"] % len(data)]
        state["i"] += 1
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return [{"case": "step", "times": timed(step, BUDGET)}], torch.__version__


def torch_norms2d():
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = torch.randn(*M3_SHAPE, requires_grad=True)
    dy = torch.randn(*M3_SHAPE)
    cases = []
    for name, layer in (("BatchNorm2d", torch.nn.BatchNorm2d(M3_SHAPE[1])), ("GroupNorm", torch.nn.GroupNorm(M3_GROUPS, M3_SHAPE[1]))):
        def step(layer=layer):
            x.grad = None
            layer.zero_grad()
            layer(x).backward(dy)
        cases.append({"case": name, "times": timed(step, BUDGET / 2)})
    return cases, torch.__version__


# --- numpy ---------------------------------------------------------------------------------------

def numpy_training(cfg):
    """cs231n's affine - batchnorm - relu layers, softmax loss and Adam, written for speed in numpy."""
    dt = np.dtype(cfg["dtype"])
    rng = np.random.default_rng(0)
    dims = [INPUT] + [cfg["hidden"]] * LAYERS + [CLASSES]
    params = {}
    for l in range(len(dims) - 1):
        params[f"W{l}"] = (rng.standard_normal((dims[l], dims[l + 1])) * np.sqrt(2 / dims[l])).astype(dt)
        params[f"b{l}"] = np.zeros(dims[l + 1], dt)
        if l < LAYERS:
            params[f"g{l}"] = np.ones(dims[l + 1], dt)
            params[f"be{l}"] = np.zeros(dims[l + 1], dt)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    data = batches(rng, cfg["batch"], dt)
    state = {"i": 0, "t": 0}
    eps = dt.type(1e-5)

    def step():
        x, y = data[state["i"] % len(data)]
        state["i"] += 1
        caches, h = [], x
        for l in range(LAYERS):
            a = h @ params[f"W{l}"] + params[f"b{l}"]
            mu = a.mean(0)
            xc = a - mu
            var = (xc * xc).mean(0)
            inv = 1 / np.sqrt(var + eps)
            xh = xc * inv
            out = xh * params[f"g{l}"] + params[f"be{l}"]
            r = np.maximum(out, 0)
            caches.append((h, xh, inv, out))
            h = r
        scores = h @ params[f"W{LAYERS}"] + params[f"b{LAYERS}"]
        shifted = scores - scores.max(1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(1, keepdims=True)
        n = x.shape[0]
        d = p
        d[np.arange(n), y] -= 1
        d /= n
        grads = {f"W{LAYERS}": h.T @ d, f"b{LAYERS}": d.sum(0)}
        dh = d @ params[f"W{LAYERS}"].T
        for l in reversed(range(LAYERS)):
            hin, xh, inv, out = caches[l]
            dout = dh * (out > 0)
            grads[f"be{l}"] = dout.sum(0)
            grads[f"g{l}"] = (dout * xh).sum(0)
            dxh = dout * params[f"g{l}"]
            da = inv / n * (n * dxh - dxh.sum(0) - xh * (dxh * xh).sum(0))
            grads[f"W{l}"] = hin.T @ da
            grads[f"b{l}"] = da.sum(0)
            if l > 0:
                dh = da @ params[f"W{l}"].T
        state["t"] += 1
        t = state["t"]
        for k, p_ in params.items():
            g = grads[k]
            m[k] *= 0.9; m[k] += 0.1 * g
            v[k] *= 0.999; v[k] += 0.001 * (g * g)
            step_size = LR / (1 - 0.9 ** t)
            p_ -= step_size * m[k] / (np.sqrt(v[k]) / np.sqrt(1 - 0.999 ** t) + 1e-8)

    return [{"case": "step", "times": timed(step, BUDGET)}], np.__version__


def numpy_conv_training():
    """cs231n's ThreeLayerConvNet step in numpy: conv_forward_strides / conv_backward_strides (im2col
    by stride tricks, one GEMM), relu, max_pool_forward_reshape / backward_reshape, affine layers,
    softmax loss and Adam, as cs231n's fast layers write them (no dx for the input images)."""
    from numpy.lib.stride_tricks import as_strided
    c = CONV
    dt = np.float32
    rng = np.random.default_rng(0)
    N, C, S, F, K, hidden = c["batch"], c["channels"], c["size"], c["filters"], c["kernel"], c["hidden"]
    pad, half = K // 2, S // 2
    params = {
        "W1": (1e-3 * rng.standard_normal((F, C, K, K))).astype(dt), "b1": np.zeros(F, dt),
        "W2": (1e-3 * rng.standard_normal((F * half * half, hidden))).astype(dt), "b2": np.zeros(hidden, dt),
        "W3": (1e-3 * rng.standard_normal((hidden, CLASSES))).astype(dt), "b3": np.zeros(CLASSES, dt),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    data = [(rng.standard_normal((N, C, S, S)).astype(dt), rng.integers(0, CLASSES, N)) for _ in range(10)]
    state = {"i": 0, "t": 0}

    def step():
        x, y = data[state["i"] % len(data)]
        state["i"] += 1
        # conv_forward_strides
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
        st = xp.strides
        x_stride = as_strided(xp, shape=(C, K, K, N, S, S), strides=(st[1], st[2], st[3], st[0], st[2], st[3]))
        x_cols = np.ascontiguousarray(x_stride).reshape(C * K * K, N * S * S)
        res = params["W1"].reshape(F, -1).dot(x_cols) + params["b1"].reshape(-1, 1)
        conv = np.ascontiguousarray(res.reshape(F, N, S, S).transpose(1, 0, 2, 3))
        a = np.maximum(conv, 0)
        # max_pool_forward_reshape
        a_r = a.reshape(N, F, half, 2, half, 2)
        pooled = a_r.max(axis=3).max(axis=4)
        h_in = pooled.reshape(N, -1)
        h = h_in.dot(params["W2"]) + params["b2"]
        r = np.maximum(h, 0)
        scores = r.dot(params["W3"]) + params["b3"]
        shifted = scores - scores.max(1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(1, keepdims=True)
        d = p
        d[np.arange(N), y] -= 1
        d /= N
        grads = {"W3": r.T.dot(d), "b3": d.sum(0)}
        dr = d.dot(params["W3"].T) * (h > 0)
        grads["W2"], grads["b2"] = h_in.T.dot(dr), dr.sum(0)
        dpooled = dr.dot(params["W2"].T).reshape(pooled.shape)
        # max_pool_backward_reshape
        da_r = np.zeros_like(a_r)
        mask = a_r == pooled[:, :, :, np.newaxis, :, np.newaxis]
        dout_b, _ = np.broadcast_arrays(dpooled[:, :, :, np.newaxis, :, np.newaxis], da_r)
        da_r[mask] = dout_b[mask]
        da_r /= np.sum(mask, axis=(3, 5), keepdims=True)
        dconv = da_r.reshape(a.shape) * (conv > 0)
        # conv_backward_strides (the weights and bias: the input images need no gradient)
        dout_r = dconv.transpose(1, 0, 2, 3).reshape(F, -1)
        grads["W1"] = dout_r.dot(x_cols.T).reshape(params["W1"].shape)
        grads["b1"] = dout_r.sum(1)
        state["t"] += 1
        t = state["t"]
        for k, p_ in params.items():
            g = grads[k]
            m[k] *= 0.9; m[k] += 0.1 * g
            v[k] *= 0.999; v[k] += 0.001 * (g * g)
            step_size = LR / (1 - 0.9 ** t)
            p_ -= step_size * m[k] / (np.sqrt(v[k]) / np.sqrt(1 - 0.999 ** t) + 1e-8)

    return [{"case": "step", "times": timed(step, BUDGET)}], np.__version__


# --- the GEMM floor ------------------------------------------------------------------------------

def step_gemms(torch_peer, cfg, gemms, minibatches=10):
    """Only the matrix products of one training step: `gemms` is stepGemms.ts's list for this peer's
    own step (numpy's weights are [in, out] and it computes h @ W, hin.T @ da, da @ W.T: the `fcnet`
    layout; torch.nn.Linear's are [out, in], x @ W.T, dy.T @ x, dy @ W: `sequential`). Each tensor the
    list names is one array made once (the same one wherever the step reuses the tensor), stored
    row-major and read through a transposed view where the product transposes it, as the step's
    operands are; each product writes its C in place (out=), as numpy's `@` and torch's mm would into
    a new array. The minibatch h0 is one of `minibatches` arrays in turn, as the step cycles its batches."""
    rng = np.random.default_rng(0)
    stored = {}

    def array(name, rows, cols):
        if name not in stored:
            stored[name] = rng.uniform(-1, 1, (rows, cols)).astype(cfg["dtype"])
        if stored[name].shape != (rows, cols):
            raise SystemExit(f"step_gemms: {name} is {stored[name].shape} elsewhere (got {(rows, cols)})")
        return name

    def stored_as(name, batch):
        return f"{name} {batch}" if name == "h0" else name

    plans = []  # per minibatch: ((a, transA), (b, transB), c) by stored name
    for batch in range(minibatches):
        plan = []
        for g in gemms:
            m, n, k = g["m"], g["n"], g["k"]
            a = array(stored_as(g["a"], batch), *((k, m) if g["transA"] else (m, k)))
            b = array(stored_as(g["b"], batch), *((n, k) if g["transB"] else (k, n)))
            plan.append(((a, g["transA"]), (b, g["transB"]), array(g["c"], m, n)))
        plans.append(plan)
    if torch_peer:
        import torch
        torch.set_num_threads(1)
        arrays = {name: torch.from_numpy(x) for name, x in stored.items()}
        view = lambda name, t: arrays[name].t() if t else arrays[name]
        product, version = (lambda x, y, out: torch.matmul(x, y, out=out)), torch.__version__
    else:
        arrays = stored
        view = lambda name, t: arrays[name].T if t else arrays[name]
        product, version = (lambda x, y, out: np.matmul(x, y, out=out)), np.__version__
    steps = [[(view(*a), view(*b), arrays[c]) for a, b, c in plan] for plan in plans]
    state = {"i": 0}

    def step():
        calls = steps[state["i"] % minibatches]
        state["i"] += 1
        for x, y, out in calls:
            product(x, y, out)

    return [{"case": "step", "times": timed(step, BUDGET)}], version


def numpy_gemm():
    rng = np.random.default_rng(0)
    cases = []
    for dtype in ("float32", "float64"):
        for m, k, n in ((50, 3072, 100), (500, 3072, 1000)):
            a = rng.uniform(-1, 1, (m, k)).astype(dtype); at = np.ascontiguousarray(a.T).T
            b = rng.uniform(-1, 1, (k, n)).astype(dtype); bt = np.ascontiguousarray(b.T).T
            c = np.empty((m, n), dtype)
            for form, x, y in (("A·B", a, b), ("Aᵀ·B", at, b), ("A·Bᵀ", a, bt)):
                times = timed(lambda: np.matmul(x, y, out=c), BUDGET / 12)
                cases.append({"case": f"{dtype} {m}×{k}×{n} {form}", "times": times, "flops": 2 * m * n * k})
    return cases, np.__version__


def numpy_batchnorm():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 500)); dy = rng.standard_normal((100, 500))
    gamma, beta = np.ones(500), np.zeros(500)

    def step():
        mu = x.mean(0); xc = x - mu; var = (xc * xc).mean(0); inv = 1 / np.sqrt(var + 1e-5); xh = xc * inv
        _ = xh * gamma + beta
        n = x.shape[0]
        _dbeta = dy.sum(0); _dgamma = (dy * xh).sum(0)
        dxh = dy * gamma
        _dx = inv / n * (n * dxh - dxh.sum(0) - xh * (dxh * xh).sum(0))

    return [{"case": "forward+backward", "times": timed(step, BUDGET)}], np.__version__


def main():
    torch = IMPL in ("torch-1t", "torch-1t-gemm")
    if IMPL.endswith("-gemm"):
        if WORKLOAD not in WORKLOADS or len(sys.argv) < 5:
            raise SystemExit(f"trainingPeer: {IMPL} takes W1-W3 and the step's products as JSON (got {sys.argv[2:]})")
        cases, version = step_gemms(torch, WORKLOADS[WORKLOAD], json.loads(sys.argv[4]))
        metric = "steps_per_s"
    elif WORKLOAD in WORKLOADS:
        cases, version = (torch_training if torch else numpy_training)(WORKLOADS[WORKLOAD])
        metric = "steps_per_s"
    elif WORKLOAD == "W4":
        cases, version = torch_conv_training() if torch else numpy_conv_training()
        metric = "steps_per_s"
    elif WORKLOAD == "M3":
        cases, version = torch_norms2d() if torch else ([], np.__version__)
        metric = "us"
    elif WORKLOAD == "M2":
        cases, version = torch_gemm() if torch else numpy_gemm()
        metric = "gflops"
    elif WORKLOAD == "M1":
        cases, version = torch_batchnorm() if torch else numpy_batchnorm()
        metric = "us"
    else:
        raise SystemExit(f"unknown workload {WORKLOAD}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"impl": IMPL, "workload": WORKLOAD, "metric": metric, "cases": cases, "rss_kb": rss, "version": version}))


main()
