/**
 * The one error type of @membrane/datapath. Native failures carry the errno name as `code`
 * and the failing call as `syscall`; `toDatapathError` turns anything thrown into one.
 */
export type DatapathErrorCode =
  | 'EINVAL'
  | 'ENOENT'
  | 'EBADF'
  | 'EEXIST'
  | 'EPERM'
  | 'EACCES'
  | 'ENOMEM'
  | 'E2BIG'
  | 'ENOSPC'
  | 'ENODEV'
  | 'ENXIO'
  | 'EBUSY'
  | 'EAGAIN'
  | 'EFAULT'
  | 'ENOTSUPP'
  | 'EOPNOTSUPP'
  | 'ENAMETOOLONG'
  | 'ENOTDIR'
  | 'ECANCELED'
  | 'ERR_INVALID_ARG_TYPE'
  /** membrane_native.node was not built (run the package's build script). */
  | 'ERR_NATIVE_MISSING'
  /** The object, map or reader was already closed. */
  | 'ERR_CLOSED'
  /** An external command (ip, tc, …) exited with failure. */
  | 'ERR_COMMAND_FAILED'
  /** A record or struct did not decode. */
  | 'ERR_DECODE'
  /** Any other errno or failure; `errno` keeps the number when there is one. */
  | 'EUNKNOWN';

const KNOWN_CODES: ReadonlySet<string> = new Set<DatapathErrorCode>([
  'EINVAL',
  'ENOENT',
  'EBADF',
  'EEXIST',
  'EPERM',
  'EACCES',
  'ENOMEM',
  'E2BIG',
  'ENOSPC',
  'ENODEV',
  'ENXIO',
  'EBUSY',
  'EAGAIN',
  'EFAULT',
  'ENOTSUPP',
  'EOPNOTSUPP',
  'ENAMETOOLONG',
  'ENOTDIR',
  'ECANCELED',
  'ERR_INVALID_ARG_TYPE',
  'ERR_NATIVE_MISSING',
  'ERR_CLOSED',
  'ERR_COMMAND_FAILED',
  'ERR_DECODE',
  'EUNKNOWN',
]);

export interface DatapathErrorDetails {
  errno?: number;
  syscall?: string;
  /** libbpf/verifier log for load failures. */
  log?: string;
  /** For batch operations: elements processed before the failure. */
  processed?: number;
  cause?: unknown;
}

export class DatapathError extends Error {
  override readonly name = 'DatapathError';
  readonly code: DatapathErrorCode;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly log: string | undefined;
  readonly processed: number | undefined;

  constructor(code: DatapathErrorCode, message: string, details: DatapathErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.errno = details.errno;
    this.syscall = details.syscall;
    this.log = details.log;
    this.processed = details.processed;
  }
}

export function isDatapathErrorCode(code: unknown): code is DatapathErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  log?: unknown;
  processed?: unknown;
}

export function toDatapathError(e: unknown): DatapathError {
  if (e instanceof DatapathError) return e;
  if (typeof e === 'object' && e !== null) {
    const x = e as ErrorLike;
    const message = typeof x.message === 'string' ? x.message : String(e);
    const code = isDatapathErrorCode(x.code) ? x.code : 'EUNKNOWN';
    return new DatapathError(code, message, {
      errno: typeof x.errno === 'number' ? x.errno : undefined,
      syscall: typeof x.syscall === 'string' ? x.syscall : undefined,
      log: typeof x.log === 'string' ? x.log : undefined,
      processed: typeof x.processed === 'number' ? x.processed : undefined,
      cause: e,
    });
  }
  return new DatapathError('EUNKNOWN', String(e), { cause: e });
}

/** Runs a native call, rethrowing whatever it throws as a DatapathError. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toDatapathError(e);
  }
}
