import { readFileSync } from 'node:fs';
import { writeFileDurable } from './durableFile';

/** A small JSON document persisted durably on every save (IPAM, identities, revision). */
export class JsonState<T> {
  value: T;

  constructor(
    private readonly path: string,
    initial: T,
  ) {
    try {
      this.value = JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.value = initial;
    }
  }

  save(next: T = this.value): void {
    writeFileDurable(this.path, `${JSON.stringify(next)}\n`);
    this.value = next;
  }
}
