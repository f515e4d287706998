import type { Logger } from '../log';

// This node's addresses, for policy: connections the node itself opens (kubelet probes, a
// process on the host, a proxy bound to a host veth) carry one of them as their source, and the
// datapath judges them as identity host only if the ipcache maps that address to it. Read at start
// and then on a timer (addresses change rarely: DHCP, an operator, a test adding one); a change
// re-enforces through the callback. Polling keeps this one fork of `ip` per interval and no
// long-lived netlink listener to clean up.

export const HOST_ADDRESS_POLL_MS = 5000;

export class HostAddresses {
  private ips: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<string[]>,
    private readonly onChange: (ips: string[]) => Promise<void>,
    private readonly log: Logger,
    private readonly intervalMs = HOST_ADDRESS_POLL_MS,
  ) {}

  /** the addresses last read: sorted, without duplicates */
  get current(): string[] {
    return this.ips;
  }

  /** Reads the addresses; true when they differ from the last read. A failed read keeps the old ones. */
  async refresh(): Promise<boolean> {
    let next: string[];
    try {
      next = [...new Set(await this.read())].sort();
    } catch (e) {
      this.log.warn('host addresses could not be read; keeping the last known', { error: e as Error });
      return false;
    }
    if (next.length === this.ips.length && next.every((ip, i) => ip === this.ips[i])) return false;
    this.ips = next;
    this.log.info('host addresses (identity host)', { addresses: next.join(',') });
    return true;
  }

  /** Polls until stop(); one poll at a time, each change handed to onChange. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => {
        this.polling = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (!(await this.refresh())) return;
    try {
      await this.onChange(this.ips);
    } catch (e) {
      this.log.error('re-enforcing after a host address change failed', { error: e as Error });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }
}
