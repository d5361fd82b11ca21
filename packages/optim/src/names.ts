/**
 * Option and state names between tapegrad's fields (camelCase: `weightDecay`, `expAvgSq`) and
 * PyTorch's state-dict keys (snake_case: `weight_decay`, `exp_avg_sq`).
 * @module
 * @internal
 */

/** `expAvgSq` → `exp_avg_sq`; names without capitals (`lr`, `betas`) stay as they are. */
export function toSnakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, (_, before: string, upper: string) => `${before}_${upper.toLowerCase()}`);
}

/** `exp_avg_sq` → `expAvgSq`; the inverse of {@link toSnakeCase} on the names optim uses. */
export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
