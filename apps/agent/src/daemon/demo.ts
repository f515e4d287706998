export async function demoMain(_o: { stateDir?: string; keep: boolean }): Promise<void> {
  throw new Error('todo');
}
