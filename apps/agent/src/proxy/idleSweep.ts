// Idle connections are closed by one timer for all of them. A per-socket timeout
// (socket.setTimeout) re-arms its timer on every read and every write (Node's _unrefTimer and a
// timer-list insert), on the proxy's hot path; here a read only sets a flag.

export interface IdleTracked {
  /** set by the connection whenever traffic moves; cleared by the sweep */
  active: boolean;
  /** sweeps in a row that found no traffic */
  idleSweeps: number;
  destroy(): void;
}

export class IdleSweep {
  private timer: NodeJS.Timeout | undefined;
  private readonly sweeps: number;

  /**
   * Connections idle for `timeoutMs` are destroyed `sweepMs` later at most (a connection that went
   * idle just after a sweep needs `timeoutMs / sweepMs` more empty sweeps).
   */
  constructor(
    private readonly items: () => Iterable<IdleTracked>,
    timeoutMs: number,
    private readonly sweepMs: number,
  ) {
    this.sweeps = Math.max(1, Math.ceil(timeoutMs / sweepMs));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sweep(): void {
    for (const c of this.items()) {
      if (c.active) {
        c.active = false;
        c.idleSweeps = 0;
      } else if (++c.idleSweeps >= this.sweeps) {
        c.destroy();
      }
    }
  }
}
