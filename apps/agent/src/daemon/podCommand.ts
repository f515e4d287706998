// A pod `command` (YAML flow sequence) running one of the agent's plain-JS runtime scripts with
// this Node binary.
export function command(script: string, ...args: string[]): string {
  return `[${[process.execPath, script, ...args].map((a) => JSON.stringify(a)).join(', ')}]`;
}
