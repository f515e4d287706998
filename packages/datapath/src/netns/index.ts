export { type InterfaceAddress, ipv4AddressesOf, listIpv4Addresses } from './addresses';
export { CommandError, type RunOptions, type RunResult, run, runStatus } from './command';
export { getLink, type IpLink, ip, ipBatch, ipJson } from './ip';
export { assertIfname, assertIpv4, assertNetnsName, IFNAME_MAX } from './names';
export {
  deleteNetns,
  deleteVethsIn,
  ensureNetns,
  execInNetns,
  NETNS_RUN_DIR,
  netnsExists,
  netnsPids,
  spawnInNetns,
} from './netns';
export {
  createPodNetwork,
  DEFAULT_GATEWAY_IP,
  deletePodNetwork,
  type PodNetwork,
  type PodNetworkRef,
  type PodNetworkSpec,
} from './podNetwork';
export { writeHostSysctls, writeNetnsSysctls } from './sysctl';
