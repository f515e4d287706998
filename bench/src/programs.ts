import type { TestNetwork } from '@membrane/datapath/testing';
import type { Variant } from './variants';

export interface ProgramSetup {
  describe: string;
  /** Checks after the runs (e.g. that the programs really saw the traffic). */
  verify?(): Promise<void>;
  close(): Promise<void>;
}

export async function setUpPrograms(
  _net: TestNetwork,
  _variants: readonly Variant[],
  _ports: readonly number[],
): Promise<ProgramSetup> {
  throw new Error('the Datapath facade (packages/datapath/src/datapath.ts) is not available yet');
}
