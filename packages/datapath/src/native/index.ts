export type {
  CgroupHook,
  ClsactAttachment,
  Direction,
  LinkInfo,
  LookupBatchResult,
  MapDesc,
  MapInfo,
  NativeBinding,
  ProgInfo,
  ProgramDesc,
  RingBufStats,
  TcxQuery,
  TestRunResult,
} from './binding';
export { native, nativeCandidates } from './binding';
export { DatapathError, type DatapathErrorCode, guard, isDatapathErrorCode, toDatapathError } from './errors';
export {
  attachClsact,
  attachTc,
  BpfLink,
  type ClsactOptions,
  detachClsact,
  detachTc,
  ifIndex,
  type TcAttachment,
  tcxQuery,
  tcxSupported,
} from './link';
export { BpfMap, type Bytes, MapType, UpdateFlags } from './map';
export { BpfObject, BpfProgram, type LoadOptions } from './object';
export { closeFd, objGet, objPin, progTestRun, progTestRunAsync } from './raw';
export {
  forEachRecord,
  RECORD_HEADER_BYTES,
  type ReaderOptions,
  RingBufReader,
  recordViews,
} from './ringbuf';
export {
  measureRingCapacity,
  measureRingRate,
  type RingCapacityOptions,
  type RingCapacityResult,
  type RingRateOptions,
  type RingRateResult,
  threadCpuSeconds,
} from './ringRate';
