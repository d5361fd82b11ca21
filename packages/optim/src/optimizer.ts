/**
 * The Optimizer base, as in PyTorch: param groups with per-group options, per-parameter state,
 * `step`, `zeroGrad`, and a state dict in PyTorch's layout.
 * @module
 */
import {
  GraphError, ShapeError, Tensor, checkFloatTensor, contiguousNdArray, formatShape, noGrad, releaseGrad, sameShape, toSnakeCase, type NdArray,
} from '@tapegrad/core';
import { exportState, importState, type OptimizerStateDict, type StateDictEntry, type StateSchema } from './stateDict.js';
import { OptionChecker, checkKnownKeys, copyOption, describeValue, type OptionDefaults } from './options.js';

/**
 * The options every optimizer has: a learning rate, which schedulers change.
 * @category Optimizers
 */
export interface OptimizerOptions {
  /** The learning rate. */
  lr: number;
}

/**
 * A param group as an optimizer holds it: its parameters and every option, defaults filled in.
 * Changing an option (`group.lr = 0.01`) takes effect at the next `step()`.
 * @typeParam O - the optimizer's options.
 * @category Optimizers
 */
export type ParamGroup<O> = O & { params: Tensor[] };

/**
 * A param group as given to a constructor or to `addParamGroup`: parameters and the options that
 * differ from the optimizer's defaults.
 * @typeParam O - the optimizer's options.
 * @category Optimizers
 */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };

/**
 * What an optimizer optimizes: parameters (one group with the default options), or param groups.
 * @typeParam O - the optimizer's options.
 * @category Optimizers
 */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;


/**
 * The base of every optimizer, as PyTorch's `torch.optim.Optimizer`. A subclass gives its name,
 * its option defaults, how to check options, its state layout and its per-parameter update; the base
 * handles param groups, state, gradients, `zeroGrad` and state dicts.
 *
 * `step()` visits every parameter that has a gradient (others are skipped and get no state) and
 * updates its values in place: one flat loop over the parameter's typed array, with state buffers
 * allocated at the parameter's first step, in its dtype, and reused afterwards. Float32 and float64
 * parameters can be mixed.
 *
 * @typeParam O - the options of a param group.
 * @typeParam S - one parameter's state entry.
 * @example
 * ```ts
 * import { tensor } from '@tapegrad/core';
 * import { SGD } from '@tapegrad/optim';
 * const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
 * const b = tensor([0], { dtype: 'float64', requiresGrad: true });
 * const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
 * w.mul(w).sum().add(b.sum()).backward();
 * opt.step();
 * console.log(w.toArray(), b.toArray()); // [0.8, 1.6] [-0.01]
 * opt.zeroGrad();
 * console.log(w.grad); // null
 * ```
 *
 * A new optimizer gives the base its name and defaults, checks its options, creates a state entry
 * and updates one parameter in place:
 * ```ts
 * import { tensor, type NdArray, type Tensor } from '@tapegrad/core';
 * import { Optimizer, type OptionChecker, type ParamGroup, type Params, type StateSchema } from '@tapegrad/optim';
 * interface SignSGDOptions { lr: number }
 * class SignSGD extends Optimizer<SignSGDOptions, Record<string, never>> {
 *   protected override readonly stateSchema: StateSchema<Record<string, never>> = {};
 *   constructor(params: Params<SignSGDOptions>, options: Partial<SignSGDOptions> = {}) {
 *     super('SignSGD', params, { lr: 0.01, ...options });
 *   }
 *   protected override checkOptions(o: SignSGDOptions, check: OptionChecker): void {
 *     check.number('lr', o.lr, { min: 0 });
 *   }
 *   protected override initState(): Record<string, never> { return {}; }
 *   protected override update(p: Tensor, g: NdArray, _state: Record<string, never>, group: ParamGroup<SignSGDOptions>): void {
 *     const w = p.data.data, o = p.data.offset;
 *     for (let i = 0; i < p.size; i++) w[o + i] = w[o + i]! - group.lr * Math.sign(g.data[g.offset + i]!);
 *   }
 * }
 * const w = tensor([1, 2], { requiresGrad: true });
 * const opt = new SignSGD([w], { lr: 0.5 });
 * w.grad = tensor([3, -0.1]);
 * opt.step();
 * console.log(w.toArray()); // [0.5, 2.5]
 * ```
 * @category Optimizers
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions, S extends object = object> {
  /** The optimizer's name, used in error messages (`Adam`). */
  readonly name: string;
  /** The options a group gets when it does not give its own. */
  readonly defaults: Readonly<OptionDefaults<O>>;
  /** The param groups, each with its parameters and all of its options. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (buffers, step counts), keyed by the parameter; created at its first step. */
  readonly state = new Map<Tensor, S>();
  /** `step`'s checker of each param group's options, made at its first step (its messages name the group). */
  private readonly stepCheckers: OptionChecker[] = [];
  /** The keys of a state entry and what each holds; used to check loaded state. */
  protected abstract readonly stateSchema: StateSchema<S>;

  /**
   * @param name - the optimizer's name for error messages.
   * @param params - parameters, or param groups (`{ params, ...options }`).
   * @param defaults - every option's default (`undefined` where there is none).
   * @throws TypeError for something that is not a tensor or a param group, or an unknown option;
   *   RangeError for an empty list (a param group may be empty, as in PyTorch), a parameter listed
   *   twice, or an option out of range;
   *   `DtypeError`, `GraphError`, `ShapeError` for a parameter that is not a
   *   floating, contiguous leaf tensor.
   */
  protected constructor(name: string, params: Params<O>, defaults: OptionDefaults<O>) {
    this.name = name;
    this.defaults = defaults;
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new TypeError(`${name}: params must be an iterable of tensors or of param groups (got ${describeValue(params)})`);
    }
    const list: unknown[] = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new RangeError(`${name}: expected at least one parameter (got an empty list)`);
    if (list.every((x) => x instanceof Tensor)) {
      this.addGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>, '');
    } else if (list.every((x) => x !== null && typeof x === 'object' && !(x instanceof Tensor) && 'params' in x)) {
      for (const group of list as ParamGroupInput<O>[]) this.addParamGroup(group);
    } else {
      throw new TypeError(`${name}: params must be all tensors or all param groups ({ params, ...options }) (got ${list.map(describeValue).join(', ')})`);
    }
  }

  /**
   * Checks the options of one group. Called with the group's merged options.
   * @throws TypeError, RangeError naming the option.
   */
  protected abstract checkOptions(options: O, check: OptionChecker): void;
  /** The state entry of a parameter at its first step (buffers every step needs, zero-filled). */
  protected abstract initState(param: Tensor, group: ParamGroup<O>): S;
  /**
   * Updates one parameter in place from its gradient `grad` (contiguous, the parameter's shape).
   * Must not allocate after the parameter's first step.
   */
  protected abstract update(param: Tensor, grad: NdArray, state: S, group: ParamGroup<O>): void;

  /**
   * Adds a param group: its parameters, with options that default to the optimizer's.
   * @param group - `{ params, ...options }`.
   * @throws the errors of the constructor.
   * @example
   * ```ts
   * import { zeros } from '@tapegrad/core';
   * import { Adam } from '@tapegrad/optim';
   * const opt = new Adam([zeros([2], { requiresGrad: true })]);
   * opt.addParamGroup({ params: [zeros([3], { requiresGrad: true })], lr: 1e-4 });
   * console.log(opt.paramGroups.map((g) => g.lr)); // [0.001, 0.0001]
   * ```
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    this.addGroup(group, `param group ${this.paramGroups.length}`);
  }

  private addGroup(input: ParamGroupInput<O>, context: string): void {
    const where = context || 'params';
    if (input === null || typeof input !== 'object' || !('params' in input)) {
      throw new TypeError(`${this.name}: a param group must be an object with params (got ${describeValue(input)})`);
    }
    const known = Object.keys(this.defaults);
    checkKnownKeys(this.name, 'option', input, known, ['params'], context);
    const rawParams: unknown = input.params;
    if (rawParams === null || typeof rawParams !== 'object' || !(Symbol.iterator in rawParams) || rawParams instanceof Tensor) {
      throw new TypeError(`${this.name}: params of ${where} must be an iterable of tensors (got ${describeValue(rawParams)})`);
    }
    const params = [...(rawParams as Iterable<unknown>)];
    params.forEach((p, i) => this.checkParam(p, context ? `parameter ${i} of ${context}` : `parameter ${i}`, params.indexOf(p) !== i));

    const options = { ...this.defaults } as Record<string, unknown>;
    for (const key of known) {
      const value = (input as Record<string, unknown>)[key];
      if (value !== undefined) options[key] = copyOption(value);
    }
    const group = { ...options, params: params as Tensor[] } as ParamGroup<O>;
    this.checkOptions(group, new OptionChecker(this.name, context));
    this.paramGroups.push(group);
  }

  private checkParam(p: unknown, what: string, repeated: boolean): asserts p is Tensor {
    if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: ${what} must be a Tensor (got ${describeValue(p)})`);
    checkFloatTensor(this.name, p, what);
    if (!p.isLeaf) throw new GraphError(`${this.name}: ${what} must be a leaf tensor (got the output of ${p.gradFn?.name})`);
    if (!p.isContiguous()) {
      throw new ShapeError(`${this.name}: ${what} must be contiguous (got strides [${p.data.stride.join(', ')}] for shape ${formatShape(p.shape)})`);
    }
    const groupIndex = this.paramGroups.findIndex((g) => g.params.includes(p));
    if (repeated || groupIndex >= 0) {
      throw new RangeError(`${this.name}: ${what} appears more than once (got it ${repeated ? 'twice in its group' : `already in param group ${groupIndex}`})`);
    }
  }

  /**
   * Updates every parameter that has a gradient, in place.
   * @throws `ShapeError` when a gradient's shape differs from its parameter's; TypeError, RangeError
   *   when a param group's option was changed to an invalid value (`Adam.step: lr of param group 0
   *   must be a finite number (got NaN)`), before any parameter of that group is updated.
   */
  step(): void {
    const groups = this.paramGroups;
    for (let gi = 0; gi < groups.length; gi++) {
      const group = groups[gi]!;
      // options may have been changed since (`group.lr = ...`): a NaN must not reach the parameters
      this.checkOptions(group, (this.stepCheckers[gi] ??= new OptionChecker(`${this.name}.step`, `param group ${gi}`)));
      const params = group.params;
      for (let pi = 0; pi < params.length; pi++) {
        const p = params[pi]!;
        const grad = p.grad;
        if (grad === null) continue;
        if (!sameShape(grad.shape, p.shape)) {
          throw new ShapeError(`${this.name}.step: the grad of parameter ${pi} of param group ${gi} must have its shape ${formatShape(p.shape)} (got ${formatShape(grad.shape)})`);
        }
        const g = grad.isContiguous() ? grad.data : contiguousNdArray(grad.data);
        let state = this.state.get(p);
        if (state === undefined) {
          state = this.initState(p, group);
          this.state.set(p, state);
        }
        this.update(p, g, state, group);
      }
    }
  }

  /**
   * Clears the gradients of every parameter: sets them to null (the default, as PyTorch 2), or with
   * `setToNone: false` fills them with zeros in place. Setting them to null gives the arrays of the
   * gradients backward made back to core's allocator (core's `releaseGrad`), where the next
   * backward's gradients reuse them: a gradient tensor kept from before `zeroGrad()` is released
   * (reading it throws a GraphError; `clone()` it first to keep its values).
   * @param opts - `setToNone` (default true).
   */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    const setToNone = opts?.setToNone ?? true;
    // (indexed loops, no default object: called once a step, this runs unoptimized, where `for…of`
    // makes an iterator and its results)
    const groups = this.paramGroups;
    for (let gi = 0; gi < groups.length; gi++) {
      const params = groups[gi]!.params;
      for (let pi = 0; pi < params.length; pi++) {
        const p = params[pi]!;
        if (setToNone) releaseGrad(p);
        else if (p.grad !== null) noGrad(() => p.grad?.zero_());
      }
    }
  }

  /**
   * The optimizer's state in PyTorch's layout (see {@link OptimizerStateDict}): a snapshot, with the
   * buffers copied, so later steps do not change it.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * import { SGD } from '@tapegrad/optim';
   * const w = tensor([1, 2], { requiresGrad: true });
   * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
   * w.grad = tensor([1, 1]);
   * opt.step();
   * const dict = opt.stateDict();
   * console.log(Object.keys(dict.state[0]!), dict.param_groups[0]!.params); // ['momentum_buffer'] [0]
   * ```
   */
  stateDict(): OptimizerStateDict {
    const state: Record<number, StateDictEntry> = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const ids: number[] = [];
      for (const p of group.params) {
        const entry = this.state.get(p);
        if (entry !== undefined) state[index] = exportState(entry);
        ids.push(index++);
      }
      const options: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) if (key !== 'params') options[toSnakeCase(key)] = copyOption(value);
      return { ...options, params: ids };
    });
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores a state from {@link Optimizer.stateDict} (of an optimizer of the same kind, over
   * parameters of the same shapes, in the same groups). Groups' options are replaced by the saved
   * ones (keys this optimizer does not have, such as PyTorch's `maximize` or `foreach`, are
   * ignored); buffers are copied and converted to their parameter's dtype. Nothing changes when
   * the dict does not fit.
   * @param dict - a state dict.
   * @throws `ShapeError` for a different number of groups or of parameters in a group, state
   *   for an unknown parameter index, an unexpected or missing state key, or a buffer whose shape
   *   differs from its parameter's; TypeError, RangeError for invalid options or values.
   * @example
   * ```ts
   * import { tensor } from '@tapegrad/core';
   * import { Adam } from '@tapegrad/optim';
   * const w = tensor([1, 2], { requiresGrad: true });
   * const opt = new Adam([w], { lr: 0.1 });
   * w.grad = tensor([1, -1]);
   * opt.step();
   * const copy = new Adam([tensor([1, 2], { requiresGrad: true })]);
   * copy.loadStateDict(opt.stateDict());
   * console.log(copy.paramGroups[0]!.lr, copy.state.size); // 0.1 1
   * ```
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object' || !Array.isArray(dict.param_groups) || dict.state === null || typeof dict.state !== 'object') {
      throw new TypeError(`${where}: expected a state dict { state, param_groups } (got ${describeValue(dict)})`);
    }
    const saved = dict.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new ShapeError(`${where}: expected ${this.paramGroups.length} param group(s) (got ${saved.length})`);
    }
    const byIndex = new Map<number, { param: Tensor; label: string }>();
    const options = this.paramGroups.map((group, gi) => {
      const s = saved[gi]!;
      const ids: unknown = s?.params;
      if (!Array.isArray(ids) || ids.length !== group.params.length) {
        throw new ShapeError(`${where}: expected ${group.params.length} parameter(s) in param group ${gi} (got ${Array.isArray(ids) ? ids.length : describeValue(ids)})`);
      }
      ids.forEach((id: unknown, pi) => {
        if (typeof id !== 'number' || !Number.isInteger(id) || byIndex.has(id)) {
          throw new ShapeError(`${where}: param group ${gi} lists an invalid or repeated parameter index (got ${describeValue(id)})`);
        }
        byIndex.set(id, { param: group.params[pi]!, label: `parameter ${pi} of param group ${gi}` });
      });
      const merged: Record<string, unknown> = {};
      for (const key of Object.keys(this.defaults)) {
        const value = (s as Record<string, unknown>)[toSnakeCase(key)];
        merged[key] = value === undefined ? (group as unknown as Record<string, unknown>)[key] : copyOption(value);
      }
      this.checkOptions(merged as unknown as O, new OptionChecker(where, `param group ${gi}`));
      return merged;
    });
    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(dict.state)) {
      const target = byIndex.get(Number(key));
      if (target === undefined) throw new ShapeError(`${where}: state is given for parameter index ${key}, which no param group lists`);
      state.set(target.param, importState(this.stateSchema, where, entry, target.param, `${target.label} (index ${key})`) as S);
    }
    this.paramGroups.forEach((group, gi) => Object.assign(group, options[gi]));
    this.state.clear();
    for (const [p, entry] of state) this.state.set(p, entry);
  }
}
