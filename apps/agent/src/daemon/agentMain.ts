import { serviceFlags } from '../services/serviceFlags';
import { type AgentFlags, DEFAULT_LISTEN, DEFAULT_PIN_ROOT, runAgent } from './runAgent';

/** `membrane agent`: runs until SIGTERM/SIGINT. */
export async function agentMain(opts: Record<string, string | boolean | undefined>): Promise<void> {
  const flags: AgentFlags = {
    stateDir: String(opts.stateDir),
    listen: String(opts.listen ?? DEFAULT_LISTEN),
    pinRoot: String(opts.pinRoot ?? DEFAULT_PIN_ROOT),
    flowCapacity: Number(opts.flowCapacity ?? 65_536),
    ...(opts.flowEventRate !== undefined ? { flowEventRate: Number(opts.flowEventRate) } : {}),
    datapath: opts.datapath !== false,
    ...(typeof opts.podCidr === 'string' ? { podCidr: opts.podCidr } : {}),
    ...(typeof opts.node === 'string' ? { node: opts.node } : {}),
    ...(typeof opts.tlsCert === 'string' ? { tlsCert: opts.tlsCert } : {}),
    ...(typeof opts.tlsKey === 'string' ? { tlsKey: opts.tlsKey } : {}),
    ...(typeof opts.tokenDir === 'string' ? { tokenDir: opts.tokenDir } : {}),
    kubernetes: opts.kubernetes === true,
    services: serviceFlags(opts, process.env),
    ...(typeof opts.enforcementMode === 'string'
      ? { enforcementMode: opts.enforcementMode as NonNullable<AgentFlags['enforcementMode']> }
      : {}),
    ...(typeof opts.allowLocalhost === 'string'
      ? { allowLocalhost: opts.allowLocalhost as NonNullable<AgentFlags['allowLocalhost']> }
      : {}),
  };
  if (!(flags.flowCapacity >= 1)) throw new Error(`invalid --flow-capacity ${opts.flowCapacity}`);
  if (
    flags.flowEventRate !== undefined &&
    !(Number.isInteger(flags.flowEventRate) && flags.flowEventRate >= 0)
  )
    throw new Error(`invalid --flow-event-rate ${opts.flowEventRate}`);
  const { stop } = await runAgent(flags);
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      void stop().then(resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  process.exit(0);
}
