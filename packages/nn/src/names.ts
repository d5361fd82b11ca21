/**
 * Field names to PyTorch's state-dict names: `runningMean` → `running_mean`, while `W1`, `gamma1`
 * and `weight` stay as they are.
 * @module
 * @internal
 */

/** camelCase → snake_case at each lowercase-to-uppercase boundary. */
export function toSnakeCase(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, (_, lower: string, upper: string) => `${lower}_${upper.toLowerCase()}`);
}
